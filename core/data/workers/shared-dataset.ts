import type { ImageDataset } from '../types.js';

/** Copies a typed array into a SharedArrayBuffer of its own. */
function shared<T extends Uint8Array | Int32Array>(a: T): T {
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** `ds` with its pixels and labels copied into shared memory, so a worker reads them without a copy. */
export function sharedDataset(ds: ImageDataset): ImageDataset {
  return { ...ds, images: shared(ds.images), labels: shared(ds.labels) };
}
