// Host key fingerprints in OpenSSH's "SHA256:<base64 without padding>" form, so an operator can compare
// them with `ssh-keygen -lf` on the server.
import { createHash } from 'node:crypto';

export function fingerprintHostKey(rawKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(rawKey).digest('base64').replace(/=+$/, '')}`;
}
