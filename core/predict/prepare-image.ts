import { rgbaToChannels, type RgbaImage } from '../data/image-folder.js';
import { normalizeInto } from '../data/normalize.js';
import { resizeBilinearInto } from '../data/resize.js';
import type { ModelMetadata } from '../model-io.js';

/**
 * One decoded image as the model was trained to see it, into `out` at `offset`
 * (height·width·channels floats of the model's input): alpha dropped and RGB kept or reduced to
 * BT.601 luma for a 1-channel model (as image folders are read), resized bilinearly to the
 * model's input size (as data.size and FixRes resize), normalised with the training statistics.
 */
export function prepareImageInto(img: RgbaImage, meta: ModelMetadata, out: Float32Array, offset: number): void {
  const { height, width, channels } = meta.inputShape;
  if (channels !== 1 && channels !== 3) throw new RangeError(`a model with ${channels} input channels cannot take images; trickster trains 1- or 3-channel models`);
  let pixels = new Uint8Array(img.height * img.width * channels);
  rgbaToChannels(img.rgba, channels, pixels, 0);
  if (img.height !== height || img.width !== width) {
    const resized = new Uint8Array(height * width * channels);
    resizeBilinearInto(pixels, img.height, img.width, channels, resized, height, width);
    pixels = resized;
  }
  normalizeInto(pixels, out, meta.normalization.mean, meta.normalization.std, channels, offset);
}
