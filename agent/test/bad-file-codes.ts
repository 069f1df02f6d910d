// The stable code each file in ../shared/fixtures/bad must give, from the CLI and from the API.
export const badFileCodes: Record<string, string[]> = {
  'empty.jpg': ['EMPTY_FILE'],
  'not-an-image.png': ['UNSUPPORTED_MEDIA'],
  'pixel-bomb-30000x30000.png': ['PIXEL_LIMIT'],
  'truncated-skimage.jpg': ['CORRUPT_MEDIA'],
  'truncated.jpg': ['CORRUPT_MEDIA'],
  // A truncated AVI is damaged video (CORRUPT_MEDIA) where the video analysis is installed, and media the agent
  // does not read (UNSUPPORTED_MEDIA) where it is not; either way a clear code, never INTERNAL.
  'truncated.avi': ['CORRUPT_MEDIA', 'UNSUPPORTED_MEDIA'],
};

