// Publishing the GPU agent image: deploy-templates/Dockerfile.gpu built by this console's Docker engine (BuildKit,
// through the docker CLI) and pushed to the operator's registry (dockerode), as one operation of kind 'gpu-image':
// log in → build context → build → push → manifest check. The published reference is recorded only after the
// registry was seen holding the pushed digest; a Vast.ai rental reads it (`current()`, `gpu-image:get`).
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { AuditLog } from '../audit/audit-log.js';
import { ConsoleError } from '../contracts/define.js';
import type { PublishedGpuImage } from '../contracts/gpu-image.js';
import { prepareAgentBuildContext } from '../deploy/agent-build-context.js';
import { buildAgentImage } from '../deploy/agent-image.js';
import { parseDeployValues } from '../deploy/deploy-bundle.js';
import { registryCredentialSecret } from '../deploy/deploy-service.js';
import { dockerUnavailable, requireLocalDocker } from '../deploy/local-docker.js';
import type { OperationEngine } from '../operations/operation-engine.js';
import type { OperationTools } from '../operations/operation.js';
import type { SecretVault } from '../secrets/secret-vault.js';
import type { GpuImageRepository } from './gpu-image-repository.js';
import { engineTreatsAsInsecure, pushImage } from './image-push.js';
import { parseGpuImageReference, registryKey, type GpuImageReference } from './image-reference.js';
import { RegistryClient, type RegistryLogin } from './registry-client.js';

export interface GpuImageServiceDeps {
  operations: OperationEngine;
  vault: SecretVault;
  audit: AuditLog;
  repo: GpuImageRepository;
  /** This console's Docker engine (default: dockerode's, DOCKER_HOST or the local socket). */
  docker: Docker;
  /** Where the agent's sources and node_modules are (the repository root, or the installed app). */
  sourceRoot: string;
  /** Where build contexts are prepared; on the same filesystem as `sourceRoot`, files are hard-linked (default: tmpdir). */
  workDir?: string;
  /** The docker CLI that runs BuildKit builds (default: MEDIAFLEET_DOCKER_CLI or `docker` on PATH). */
  dockerCli?: string;
  /**
   * Told once an image is published and confirmed in its registry, with the login Vast needs to pull it (null:
   * anonymous): the console makes it what rentals use. Answers a line for the operation's log.
   */
  onPublished?: (published: PublishedGpuImage, pullLogin: { serveraddress: string; username: string; password: string } | null) => Promise<string>;
  now?: () => Date;
}

interface SavedLogin {
  name: string;
  serveraddress: string;
  username: string;
  password: string;
}

interface PublishContext {
  tools: OperationTools;
  contextDir: string;
  client: RegistryClient;
  pushedDigest?: string;
}

const contextPrefix = 'mediafleet-gpu-image-';
/** BuildKit's plain progress names each Dockerfile step `[stage i/n]`: a step starting is progress. */
const buildStep = /^#\d+ \[(?:[\w.-]+ )?(\d+)\/(\d+)\]/;
/** BuildKit repeats each vertex's cache key on a line of its own: noise in the operation's log. */
const buildDigestLine = /^#\d+ sha256:[0-9a-f]{64}$/;

export class GpuImageService {
  private readonly now: () => Date;

  constructor(private readonly deps: GpuImageServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The image a rental should use, or null when none was published (or confirmed) yet. */
  current(): PublishedGpuImage | null {
    return this.deps.repo.get();
  }

  /**
   * The registry login Vast needs to pull the published image (its `image_login`), from the vault; null when the
   * image was pushed without one. Never crosses the contract: only the rental that passes it to Vast reads it.
   */
  async pullLogin(): Promise<{ serveraddress: string; username: string; password: string } | null> {
    const current = this.current();
    if (!current?.credentialName) return null;
    const raw = await this.deps.vault.get(registryCredentialSecret(current.credentialName));
    if (!raw) {
      throw new ConsoleError('REGISTRY_CREDENTIAL_MISSING', `the GPU image was published with the registry credentials "${current.credentialName}", which are no longer in the vault; save them again.`);
    }
    const { serveraddress, username, password } = JSON.parse(raw) as { serveraddress: string; username: string; password: string };
    return { serveraddress, username, password };
  }

  /** Contexts of this console's publishes that a crash kept from being removed (never another console's). */
  private removeLeftContexts(base: string): void {
    for (const name of readdirSync(base)) {
      if (!name.startsWith(contextPrefix)) continue;
      const operationId = name.slice(contextPrefix.length);
      const status = (() => {
        try {
          return this.deps.operations.status(operationId).status;
        } catch {
          return null;
        }
      })();
      if (status && status !== 'running') rmSync(join(base, name), { recursive: true, force: true });
    }
  }

  private defaultAgentVersion(): string {
    try {
      return (JSON.parse(readFileSync(join(this.deps.sourceRoot, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
    } catch {
      return '0.0.0';
    }
  }

  private async loginFor(ref: GpuImageReference, credentialName: string | undefined): Promise<SavedLogin | undefined> {
    if (!credentialName) return undefined;
    const raw = await this.deps.vault.get(registryCredentialSecret(credentialName));
    if (!raw) {
      throw new ConsoleError('REGISTRY_CREDENTIAL_MISSING', `no registry credentials named "${credentialName}" in the vault; save them first (registry address, user name, password).`);
    }
    const saved = JSON.parse(raw) as Omit<SavedLogin, 'name'>;
    // The engine sends the login to whichever registry the image names: never hand one registry's password to another.
    if (registryKey(saved.serveraddress) !== registryKey(ref.registry)) {
      throw new ConsoleError(
        'REGISTRY_CREDENTIAL_MISMATCH',
        `the credentials "${credentialName}" are for ${saved.serveraddress}, but ${ref.image} is on ${ref.registry}; pick the login for that registry or name the image on ${saved.serveraddress}.`,
      );
    }
    return { name: credentialName, ...saved };
  }

  /**
   * Checks what can be checked here and now (the reference, the login's presence, the engine), then starts the
   * operation; the registry itself is asked in the operation's first step.
   */
  async publish(input: { image: string; credentialName?: string; agentVersion?: string }): Promise<{ operationId: string }> {
    const agentVersion = input.agentVersion ?? this.defaultAgentVersion();
    const ref = parseGpuImageReference(input.image, agentVersion);
    const saved = await this.loginFor(ref, input.credentialName);
    const values = parseDeployValues({ domain: 'localhost', agentVersion, agentImage: ref.image });
    const engine = await requireLocalDocker(this.deps.docker);
    const login: RegistryLogin | undefined = saved && { username: saved.username, password: saved.password };
    const { docker } = this.deps;

    return this.deps.operations.start<PublishContext>({
      kind: 'gpu-image',
      title: `Publish the GPU agent image ${ref.image}`,
      targetId: null,
      lockKey: 'gpu-image',
      lockedError: (holder) => new ConsoleError('GPU_IMAGE_PUBLISHING', `a GPU image is being published already (operation ${holder.operationId}); wait for it or cancel it`),
      options: { image: ref.image, credentialName: saved?.name ?? null, agentVersion },
      detail: { image: ref.image, registry: ref.registry, engine: engine.host },
      // No secret here; `login` names the saved credentials (the audit log redacts keys that look secret).
      auditDetail: { image: ref.image, registry: ref.registry, login: saved?.name ?? null, agentVersion },
      failureCode: 'GPU_IMAGE_PUBLISH_FAILED',
      open: async (tools) => {
        const base = this.deps.workDir ?? tmpdir();
        mkdirSync(base, { recursive: true });
        this.removeLeftContexts(base);
        const contextDir = join(base, `${contextPrefix}${tools.operationId}`);
        const insecure = await engineTreatsAsInsecure(docker, ref.registry).catch((err: unknown) => {
          throw dockerUnavailable(engine.host, err);
        });
        const client = new RegistryClient({ host: ref.api.host, login, insecure, signal: tools.signal });
        return { context: { tools, contextDir, client }, close: () => rmSync(contextDir, { recursive: true, force: true }) };
      },
      steps: [
        {
          id: 'gpu-image.registry-login',
          title: saved ? `Log in to ${ref.registry} as ${saved.username}` : `Reach ${ref.registry} (no login)`,
          apply: async ({ client }) => client.checkLogin(`repository:${ref.api.repository}:push,pull`),
        },
        {
          id: 'gpu-image.context',
          title: 'Prepare the build context (agent, production packages with the CUDA builds, Dockerfile.gpu)',
          apply: async ({ tools, contextDir }) => {
            // The image carries this computer's native modules (better-sqlite3, sharp, onnxruntime): they only run
            // on the rented hosts (linux-x64) when they were built for linux-x64.
            if (process.platform !== 'linux' || process.arch !== 'x64') {
              throw new ConsoleError(
                'GPU_IMAGE_PLATFORM_UNSUPPORTED',
                `the GPU image bundles this computer's native modules, built for ${process.platform}-${process.arch}; rented GPU hosts run linux-x64. Publish from a Linux x64 computer.`,
              );
            }
            const ctx = prepareAgentBuildContext({ repoRoot: this.deps.sourceRoot, outDir: contextDir, flavor: 'gpu', values });
            tools.log(`${ctx.packages} packages, ${Math.round(ctx.bytes / 1e6)} MB; FROM ${values.cudaBaseImage} with node from ${values.nodeImage}`);
          },
        },
        {
          id: 'gpu-image.build',
          title: `Build ${ref.image} (Dockerfile.gpu, BuildKit)`,
          apply: async ({ tools, contextDir }) => {
            try {
              await buildAgentImage(engine.host, contextDir, ref.image, {
                dockerCli: this.deps.dockerCli,
                signal: tools.signal,
                onProgress: (p) => {
                  if (!p.line || buildDigestLine.test(p.line)) return;
                  const m = buildStep.exec(p.line);
                  if (m) tools.progress((Number(m[1]) - 1) / Number(m[2]), p.line);
                  else tools.log(p.line);
                },
              });
            } finally {
              rmSync(contextDir, { recursive: true, force: true });
            }
          },
          verify: async () => {
            const info = await docker.getImage(ref.image).inspect().catch(() => null);
            const labels = info?.Config?.Labels ?? {};
            const ok = labels['io.mediafleet.flavor'] === 'gpu' && labels['org.opencontainers.image.version'] === agentVersion;
            return { satisfied: ok, detail: info ? `${Math.round(info.Size / 1e6)} MB, flavor ${labels['io.mediafleet.flavor'] ?? 'none'}, version ${labels['org.opencontainers.image.version'] ?? 'none'}` : 'no image' };
          },
        },
        {
          id: 'gpu-image.push',
          title: `Push ${ref.image} to ${ref.registry}`,
          apply: async (ctx) => {
            const pushed = await pushImage(docker, ref.image, {
              registry: ref.registry,
              login,
              signal: ctx.tools.signal,
              onProgress: (p) => (p.fraction !== null ? ctx.tools.progress(p.fraction, p.line) : p.line && ctx.tools.log(p.line)),
            });
            ctx.pushedDigest = pushed.digest;
            ctx.tools.setDetail({ digest: pushed.digest, layers: pushed.layers });
          },
        },
        {
          id: 'gpu-image.verify',
          title: `Check that ${ref.registry} serves ${ref.repository}:${ref.tag}`,
          apply: async ({ tools, client, pushedDigest }) => {
            const manifest = await client.manifest(ref.api.repository, ref.tag);
            if (!manifest) {
              throw new ConsoleError('GPU_IMAGE_NOT_IN_REGISTRY', `${ref.registry} has no manifest for ${ref.repository}:${ref.tag} after the push; the image is not published.`);
            }
            if (manifest.digest !== pushedDigest) {
              throw new ConsoleError(
                'GPU_IMAGE_VERIFY_FAILED',
                `${ref.registry} serves ${manifest.digest} for ${ref.repository}:${ref.tag}, not the pushed ${pushedDigest} (another push of the same tag?); the image is not recorded as published.`,
              );
            }
            tools.log(`${ref.repository}:${ref.tag} → ${manifest.digest} (${manifest.mediaType ?? 'unknown type'}, ${manifest.layers} layers)`);
            const published: PublishedGpuImage = {
              image: ref.image,
              registry: ref.registry,
              digest: manifest.digest,
              credentialName: saved?.name ?? null,
              agentVersion,
              cudaBaseImage: values.cudaBaseImage,
              operationId: tools.operationId,
              publishedAt: this.now().toISOString(),
            };
            this.deps.repo.save(published);
            this.deps.audit.record('gpu-image.published', null, { operationId: tools.operationId, image: ref.image, digest: manifest.digest, login: saved?.name ?? null });
            if (this.deps.onPublished) tools.log(await this.deps.onPublished(published, saved ? { serveraddress: saved.serveraddress, username: saved.username, password: saved.password } : null));
          },
        },
      ],
    });
  }
}
