// The deploy bundle for one server: every file from `deploy-templates/` rendered with that server's values,
// plus where it goes and with which mode. Secrets are not values here; they go only into the env file made by
// `renderAgentEnvFile`, which is written with mode 0600 on the server at deploy time.
import { z } from 'zod';
import { ConsoleError } from '../contracts/define.js';
import { readTemplate, renderTemplate, templatesDir } from './render-templates.js';

const hostname = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i, 'not a valid host name');
const port = z.number().int().min(1).max(65535);
// Docker image reference: [registry[:port]/]name[:tag][@digest], no spaces or shell characters.
const imageRef = z.string().regex(/^[a-z0-9]+([._\-/:@][a-zA-Z0-9_.-]+)*$/, 'not a valid image reference');
const absPath = z.string().regex(/^\/[A-Za-z0-9._\-/]*$/, 'must be an absolute path of safe characters');
const version = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, 'not a valid version');

export const DeployValues = z.object({
  domain: hostname,
  agentVersion: version,
  agentImage: imageRef,
  agentPort: port.default(8080),
  httpPort: port.default(80),
  httpsPort: port.default(443),
  tls: z.boolean().default(false),
  /** Cluster mode adds Redis to the stack and points the agent's shared queue at it. */
  cluster: z.boolean().default(false),
  redisPort: port.default(6379),
  baseImage: imageRef.default('node:20-bookworm-slim'),
  nodeImage: imageRef.default('node:20-bookworm-slim'),
  cudaBaseImage: imageRef.default('nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04'),
  nginxImage: imageRef.default('nginx:1.27-bookworm'),
  certbotImage: imageRef.default('certbot/certbot:v2.11.0'),
  redisImage: imageRef.default('redis:7-bookworm'),
  acmeWebroot: absPath.default('/var/www/acme'),
  certDir: absPath.default('/etc/letsencrypt'),
  upstreamConfPath: absPath.default('/etc/nginx/mediafleet/upstream.conf'),
  hstsMaxAge: z.number().int().min(0).default(31536000),
  maxUploadMb: z.number().int().min(1).max(100_000).default(2048),
  installDir: absPath.default('/opt/mediafleet'),
  dataDir: absPath.default('/var/lib/mediafleet'),
  envFilePath: absPath.default('/etc/mediafleet/agent.env'),
  serviceUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/).default('mediafleet'),
  nodePath: absPath.default('/usr/bin/node'),
  certbotPath: absPath.default('/usr/bin/certbot'),
  reloadCommand: z.string().regex(/^[A-Za-z0-9 ._\-/]+$/).default('systemctl reload nginx'),
  consoleId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).default('mediafleet-console'),
  idleTimeoutS: z.number().int().min(60).default(1800),
  deadmanS: z.number().int().min(60).default(900),
  spendCapUsd: z.number().min(0).default(10),
});
export type DeployValuesInput = z.input<typeof DeployValues>;
export type DeployValues = z.output<typeof DeployValues>;

export interface BundleFile {
  /** Path inside the bundle (the server's install dir mirrors it). */
  path: string;
  content: string;
  mode: number;
}

const bundleTemplates: { template: string; path: string; mode: number }[] = [
  { template: 'Dockerfile.cpu', path: 'Dockerfile.cpu', mode: 0o644 },
  { template: 'Dockerfile.gpu', path: 'Dockerfile.gpu', mode: 0o644 },
  { template: 'compose.yaml', path: 'compose.yaml', mode: 0o644 },
  { template: 'nginx/mediafleet.conf', path: 'nginx/mediafleet.conf', mode: 0o644 },
  { template: 'nginx/upstream.conf', path: 'nginx/upstream.conf', mode: 0o644 },
  { template: 'systemd/mediafleet-agent.service', path: 'systemd/mediafleet-agent.service', mode: 0o644 },
  { template: 'systemd/mediafleet-cert-renew.service', path: 'systemd/mediafleet-cert-renew.service', mode: 0o644 },
  { template: 'systemd/mediafleet-cert-renew.timer', path: 'systemd/mediafleet-cert-renew.timer', mode: 0o644 },
  { template: 'vast/onstart.sh', path: 'vast/onstart.sh', mode: 0o755 },
];

export function parseDeployValues(input: DeployValuesInput): DeployValues {
  const parsed = DeployValues.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConsoleError('DEPLOY_VALUES_INVALID', `${issue?.path.join('.') || 'values'}: ${issue?.message}`);
  }
  return parsed.data;
}

function templateValues(v: DeployValues): Record<string, string | number | boolean> {
  return {
    ...v,
    certPath: `${v.certDir}/live/${v.domain}/fullchain.pem`,
    keyPath: `${v.certDir}/live/${v.domain}/privkey.pem`,
  };
}

export function renderDeployBundle(input: DeployValuesInput, dir = templatesDir): BundleFile[] {
  const values = templateValues(parseDeployValues(input));
  return bundleTemplates.map((t) => ({
    path: t.path,
    mode: t.mode,
    content: renderTemplate(readTemplate(t.template, dir), values, t.template),
  }));
}

export function renderNginxConfig(input: DeployValuesInput): string {
  return renderTemplate(readTemplate('nginx/mediafleet.conf'), templateValues(parseDeployValues(input)), 'nginx');
}

/** The upstream file a deploy rewrites to move traffic to another agent container. */
export function renderNginxUpstream(agentPort: number): string {
  port.parse(agentPort);
  return renderTemplate(readTemplate('nginx/upstream.conf'), { agentPort }, 'nginx/upstream.conf');
}

const envKey = /^[A-Z_][A-Z0-9_]*$/;

/** The agent's env file (tokens, keys). Written on the server with mode 0600, never into an image. */
export function renderAgentEnvFile(secrets: Record<string, string>): BundleFile {
  const lines = Object.entries(secrets).map(([key, value]) => {
    if (!envKey.test(key)) throw new ConsoleError('DEPLOY_VALUES_INVALID', `env key "${key}" is not a valid name`);
    if (/[\n\r\0]/.test(value)) throw new ConsoleError('DEPLOY_VALUES_INVALID', `env value of ${key} has a line break`);
    return `${key}=${value}`;
  });
  return { path: 'agent.env', content: lines.join('\n') + '\n', mode: 0o600 };
}
