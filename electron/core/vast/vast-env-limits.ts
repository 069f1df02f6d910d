// Vast.ai's limits on what a create may carry (each env value ≤ 256 characters, 32 KB of env in all,
// onstart + args ≤ 4096 characters, label ≤ 256, at most 64 port mappings), checked before the call so a
// too-long value is refused here with its name instead of failing at Vast or being cut short there.
import { VastError } from './vast-errors.js';

export const vastLimits = {
  envValueChars: 256,
  envTotalBytes: 32 * 1024,
  onstartAndArgsChars: 4096,
  labelChars: 256,
  portMappings: 64,
} as const;

export interface PortMapping {
  /** The container port; Vast maps it to a host port of its choosing. */
  port: number;
  proto?: 'tcp' | 'udp';
}

/** The `-p` keys Vast reads port mappings from (`{"-p 8787:8787": "1"}`). */
export function portEnvKey(mapping: PortMapping): string {
  return `-p ${mapping.port}:${mapping.port}${mapping.proto === 'udp' ? '/udp' : ''}`;
}

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkCreateLimits(input: { env: Record<string, string>; ports: PortMapping[]; onstart?: string; args?: string[]; label: string }): void {
  let total = 0;
  for (const [name, value] of Object.entries(input.env)) {
    if (!envName.test(name)) {
      throw new VastError('VAST_INVALID_REQUEST', `Environment variable name "${name.slice(0, 40)}" is not valid: letters, digits and _ only, not starting with a digit. Ports go in "ports", not in env.`);
    }
    if (typeof value !== 'string') throw new VastError('VAST_INVALID_REQUEST', `Environment variable ${name} must be a string.`);
    if (value.length > vastLimits.envValueChars) {
      throw new VastError(
        'VAST_ENV_TOO_LONG',
        `Environment variable ${name} is ${value.length} characters; Vast.ai allows at most ${vastLimits.envValueChars} per value. Shorten it, or pass it another way (for example fetched by the agent after boot).`,
      );
    }
    total += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  if (input.ports.length > vastLimits.portMappings) {
    throw new VastError('VAST_INVALID_REQUEST', `${input.ports.length} port mappings; Vast.ai allows at most ${vastLimits.portMappings}.`);
  }
  for (const p of input.ports) {
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) throw new VastError('VAST_INVALID_REQUEST', `Port ${p.port} is not a port number 1-65535.`);
    total += portEnvKey(p).length + 1;
  }
  if (total > vastLimits.envTotalBytes) {
    throw new VastError('VAST_ENV_TOO_LONG', `The environment is ${total} bytes in all; Vast.ai allows at most ${vastLimits.envTotalBytes}. Leave out variables the agent does not need.`);
  }
  const onstartChars = (input.onstart?.length ?? 0) + (input.args ?? []).reduce((n, a) => n + a.length, 0);
  if (onstartChars > vastLimits.onstartAndArgsChars) {
    throw new VastError('VAST_ONSTART_TOO_LONG', `The on-start script and args are ${onstartChars} characters; Vast.ai allows at most ${vastLimits.onstartAndArgsChars}. Move the work into the image.`);
  }
  if (input.label.length === 0 || input.label.length > vastLimits.labelChars) {
    throw new VastError('VAST_LABEL_TOO_LONG', `The instance label must be 1-${vastLimits.labelChars} characters (it is ${input.label.length}).`);
  }
}
