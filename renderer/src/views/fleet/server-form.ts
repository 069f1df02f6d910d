// The Add server form's checks, field by field, in the words a person needs to fix the field: a host is an
// IP address or a domain name (no scheme, user or port in it), a port is 1–65535, a user is a login name, a key
// is a whole private key. Plain functions, so the form and its tests share them.

export interface ServerFormValues {
  name: string;
  host: string;
  port: string;
  user: string;
  authKind: 'generate' | 'key';
  password: string;
  privateKey: string;
}

export type ServerFormErrors = Partial<Record<keyof ServerFormValues, string>>;

const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const domainLabel = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Why this is not a host to connect to, or null when it is one. `portAdvice`: what to say about "host:port". */
export function hostProblem(raw: string, portAdvice = 'Put the port in the SSH port field.'): string | null {
  const host = raw.trim();
  if (!host) return "Enter the server's IP address or domain name.";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) return 'Leave out the scheme: write example.com, not ssh://example.com.';
  if (host.includes('@')) return 'Put the user in the User field; the host is only the address.';
  if (/\s/.test(host)) return 'A host has no spaces.';
  if (host.includes('/')) return 'A host has no path: write example.com, not example.com/….';
  const v4 = ipv4.exec(host);
  if (v4) return v4.slice(1).every((part) => Number(part) <= 255) ? null : 'Each number of an IPv4 address is 0–255.';
  // IPv6 in brackets or bare: hex groups and colons; an IPv4 address with ":22" is a port in the wrong field.
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare.includes(':')) {
    if (/^(\d{1,3}\.){3}\d{1,3}:\d+$/.test(host) || /^[a-z0-9.-]+:\d+$/i.test(host)) return portAdvice;
    return /^[0-9a-f:.]+$/i.test(bare) && bare.split(':').length <= 8 ? null : 'This is not an IPv6 address.';
  }
  if (/^[\d.]+$/.test(host)) return 'An IPv4 address has four numbers, like 203.0.113.10.';
  if (host.length > 253) return 'A domain name has at most 253 characters.';
  const labels = host.replace(/\.$/, '').split('.');
  if (labels.some((label) => label.length === 0)) return 'A domain name has no empty parts (two dots in a row).';
  const bad = labels.find((label) => !domainLabel.test(label));
  if (bad) {
    if (bad.length > 63) return 'Each part of a domain name has at most 63 characters.';
    if (bad.includes('_')) return 'A domain name has no underscores.';
    return `"${bad}" is not a domain name part: letters, digits and inner hyphens only.`;
  }
  return null;
}

export function portProblem(raw: string): string | null {
  const text = raw.trim();
  if (!text) return 'Enter the SSH port (usually 22).';
  if (!/^\d+$/.test(text)) return 'A port is a whole number, like 22.';
  const port = Number(text);
  if (port < 1 || port > 65535) return 'A port is between 1 and 65535; SSH usually listens on 22.';
  return null;
}

export function userProblem(raw: string): string | null {
  const user = raw.trim();
  if (!user) return 'Enter the user to log in as (root, or a user with sudo).';
  if (user.length > 64) return 'A user name has at most 64 characters.';
  if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(user)) return 'A user name is letters, digits, dots, hyphens and underscores, starting with a letter.';
  return null;
}

export function privateKeyProblem(raw: string): string | null {
  const key = raw.trim();
  if (!key) return 'Paste the private key, or choose its file.';
  if (/^ssh-(ed25519|rsa|dss)|^ecdsa-sha2-/.test(key)) return 'This is a public key (it starts with ssh-…). The console needs the private key: the file without .pub.';
  if (!/^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(key)) return 'A private key starts with -----BEGIN … PRIVATE KEY-----.';
  if (!/-----END [A-Z0-9 ]*PRIVATE KEY-----$/.test(key)) return 'The key is cut short: it must end with -----END … PRIVATE KEY-----.';
  return null;
}

/** Every field's problem; an empty object when the form can be sent. */
export function serverFormErrors(values: ServerFormValues): ServerFormErrors {
  const errors: ServerFormErrors = {};
  const name = values.name.trim();
  if (!name) errors.name = 'Give the server a name you will recognise, like vps-paris-1.';
  else if (name.length > 100) errors.name = 'A name has at most 100 characters.';
  const problems: Array<[keyof ServerFormValues, string | null]> = [
    ['host', hostProblem(values.host)],
    ['port', portProblem(values.port)],
    ['user', userProblem(values.user)],
    values.authKind === 'key' ? ['privateKey', privateKeyProblem(values.privateKey)] : ['password', values.password ? null : "Enter the server's password: the console logs in with it once to install its own key."],
  ];
  for (const [field, problem] of problems) if (problem) errors[field] = problem;
  return errors;
}
