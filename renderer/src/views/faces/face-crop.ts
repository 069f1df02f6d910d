// Where to place the source image so that one face fills a square tile: the face box grown by a margin,
// clamped to the image. Plain arithmetic, tested without a DOM.
export interface CropPlacement {
  /** Rendered size of the whole image inside the tile, in px. */
  width: number;
  height: number;
  /** Offset of the image's top-left corner from the tile's, in px (≤ 0). */
  left: number;
  top: number;
}

export function placeFaceInTile(
  box: { x: number; y: number; width: number; height: number },
  image: { width: number; height: number },
  tile: number,
  margin = 0.25,
): CropPlacement {
  const side = Math.min(Math.max(box.width, box.height) * (1 + 2 * margin), Math.min(image.width, image.height));
  const scale = tile / side;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const x0 = Math.min(Math.max(0, cx - side / 2), image.width - side);
  const y0 = Math.min(Math.max(0, cy - side / 2), image.height - side);
  return { width: image.width * scale, height: image.height * scale, left: -x0 * scale, top: -y0 * scale };
}
