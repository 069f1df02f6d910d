// Where video keyframe thumbnails live: <data dir>/thumbnails/<job id>/, written by the worker, served by the API.
import path from 'node:path';

export function thumbnailsRoot(dataDir: string): string {
  return path.join(dataDir, 'thumbnails');
}

export function jobThumbnailsDir(dataDir: string, jobId: string): string {
  return path.join(thumbnailsRoot(dataDir), jobId);
}
