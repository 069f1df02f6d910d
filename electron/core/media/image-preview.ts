// A picture of an analysed image for the screen, from the console's copy of the file: scaled to fit `maxSide`,
// as a JPEG. EXIF rotation is applied, as the agent applies it before finding faces, so findings line up.
import { ConsoleError } from '../contracts/define.js';

export async function imagePreview(path: string, fileName: string, maxSide: number): Promise<{ jpeg: Buffer; width: number; height: number }> {
  // Loaded on first use: the console starts without the image library.
  const { default: sharp } = await import('sharp');
  try {
    const { data, info } = await sharp(path, { limitInputPixels: false })
      .rotate()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 82 })
      .toBuffer({ resolveWithObject: true });
    return { jpeg: data, width: info.width, height: info.height };
  } catch (err) {
    throw new ConsoleError('FILE_NOT_FOUND', `the console's copy of ${fileName} cannot be read any more (${(err as Error).message})`);
  }
}
