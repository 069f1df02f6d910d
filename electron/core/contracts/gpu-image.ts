// Contract of the GPU agent image: the console builds deploy-templates/Dockerfile.gpu with its own Docker engine,
// pushes it to the operator's registry (an operation of kind 'gpu-image', followed and cancelled through the
// operations contract) and keeps the published reference, which a Vast.ai rental then has Vast pull.
import { z } from 'zod';
import { defineInvoke, OperationStarted } from './define.js';

export const publishGpuImage = defineInvoke('gpu-image:publish', {
  input: z.object({
    /** `<registry host>/<repository>[:<tag>]`; the tag defaults to the agent version. Parsed by the feature. */
    image: z.string().trim().min(1).max(255),
    /** Registry login saved with `deploy:set-registry-credentials`; none: push anonymously. */
    credentialName: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
    /** Stamped into the image (MEDIAFLEET_AGENT_VERSION); default: this console's package version. */
    agentVersion: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, 'not a valid version').optional(),
  }),
  output: OperationStarted,
});

/** The last image this console published and confirmed in its registry. */
export const PublishedGpuImage = z.object({
  /** The full reference Vast is given: `<registry>/<repository>:<tag>`. */
  image: z.string(),
  registry: z.string(),
  /** The manifest digest the registry answered for the tag after the push. */
  digest: z.string(),
  /** The registry login (by name; the secret stays in the vault), null when pushed anonymously. */
  credentialName: z.string().nullable(),
  agentVersion: z.string(),
  /** The CUDA base the image was built FROM (its CUDA version bounds the hosts that can run it). */
  cudaBaseImage: z.string(),
  operationId: z.string(),
  publishedAt: z.string(),
});
export type PublishedGpuImage = z.infer<typeof PublishedGpuImage>;

export const getGpuImage = defineInvoke('gpu-image:get', {
  input: z.object({}).default({}),
  output: z.object({ published: PublishedGpuImage.nullable() }),
  readOnly: true,
});

export const gpuImageContract = {
  [publishGpuImage.name]: publishGpuImage,
  [getGpuImage.name]: getGpuImage,
};
