import { PNG } from 'pngjs';
import type { ImageDataset } from '../../core/data/types.js';

/** Image `index` of `ds` as a `data:image/png;base64,...` URI (grey or RGB pixels, opaque). */
export function imageDataUri(ds: ImageDataset, index: number): string {
  const { height, width, channels } = ds;
  const png = new PNG({ width, height });
  const start = index * height * width * channels;
  for (let p = 0; p < height * width; p++) {
    const px = start + p * channels;
    const [r, g, b] = channels === 1 ? [ds.images[px]!, ds.images[px]!, ds.images[px]!] : [ds.images[px]!, ds.images[px + 1]!, ds.images[px + 2]!];
    png.data[4 * p] = r;
    png.data[4 * p + 1] = g;
    png.data[4 * p + 2] = b;
    png.data[4 * p + 3] = 255;
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}
