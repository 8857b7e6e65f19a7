// Picks the artifact store the config names. The S3 adapter loads the AWS SDK only when used.
import path from 'node:path';
import type { Config } from '../../config.js';
import { createArtifactStore, type ArtifactStore } from './artifact-store.js';
import { createS3ArtifactStore } from './s3-artifact-store.js';

export function openArtifactStore(config: Pick<Config, 'artifactDir' | 'artifactS3'>): ArtifactStore {
  if (!config.artifactS3) return createArtifactStore(config.artifactDir);
  return createS3ArtifactStore({
    ...config.artifactS3,
    scratchDir: path.join(config.artifactDir, '.s3-scratch'),
  });
}
