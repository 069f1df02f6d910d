// The published GPU image in the console store: one row, written only once the registry has been seen holding
// the pushed manifest, so a failed or canceled publish never replaces the image that works.
import type { PublishedGpuImage } from '../contracts/gpu-image.js';
import type { ConsoleDb } from '../store/console-store.js';

interface Row {
  image: string;
  registry: string;
  digest: string;
  credential_name: string | null;
  agent_version: string;
  cuda_base_image: string;
  operation_id: string;
  published_at: string;
}

export class GpuImageRepository {
  constructor(private readonly db: ConsoleDb) {}

  get(): PublishedGpuImage | null {
    const row = this.db.prepare('SELECT * FROM gpu_image WHERE id = 1').get() as Row | undefined;
    if (!row) return null;
    return {
      image: row.image,
      registry: row.registry,
      digest: row.digest,
      credentialName: row.credential_name,
      agentVersion: row.agent_version,
      cudaBaseImage: row.cuda_base_image,
      operationId: row.operation_id,
      publishedAt: row.published_at,
    };
  }

  save(p: PublishedGpuImage): void {
    this.db
      .prepare(
        `INSERT INTO gpu_image (id, image, registry, digest, credential_name, agent_version, cuda_base_image, operation_id, published_at)
         VALUES (1, @image, @registry, @digest, @credentialName, @agentVersion, @cudaBaseImage, @operationId, @publishedAt)
         ON CONFLICT(id) DO UPDATE SET image = excluded.image, registry = excluded.registry, digest = excluded.digest,
           credential_name = excluded.credential_name, agent_version = excluded.agent_version,
           cuda_base_image = excluded.cuda_base_image, operation_id = excluded.operation_id, published_at = excluded.published_at`,
      )
      .run(p);
  }
}
