import { resizeBilinearInto } from './resize.js';
import type { ImageDataset } from './types.js';

/** A copy of `ds` with every image resized (bilinear) to size × size; `ds` itself when it already is. */
export function resizeDataset(ds: ImageDataset, size: number): ImageDataset {
  if (ds.height === size && ds.width === size) return ds;
  const src = ds.height * ds.width * ds.channels;
  const dst = size * size * ds.channels;
  const images = new Uint8Array(ds.count * dst);
  for (let i = 0; i < ds.count; i++) {
    resizeBilinearInto(ds.images.subarray(i * src, (i + 1) * src), ds.height, ds.width, ds.channels, images.subarray(i * dst, (i + 1) * dst), size, size);
  }
  return { ...ds, images, height: size, width: size };
}
