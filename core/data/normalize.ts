import type { ImageDataset } from './types.js';

/** Per-channel mean and standard deviation, in [0, 1] pixel units. */
export interface ChannelStats {
  readonly mean: number[];
  readonly std: number[];
}

/**
 * Mean and population standard deviation of each channel over every pixel of `ds`, with pixels
 * scaled to [0, 1]. Exact (counts a 256-bin histogram per channel).
 */
export function channelStats(ds: ImageDataset): ChannelStats {
  const { channels, images } = ds;
  const hist = new Float64Array(256 * channels);
  for (let c = 0; c < channels; c++) {
    const base = 256 * c;
    for (let i = c; i < images.length; i += channels) hist[base + images[i]!]!++;
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    let n = 0;
    let sum = 0;
    let sumSq = 0;
    for (let v = 0; v < 256; v++) {
      const k = hist[256 * c + v]!;
      const x = v / 255;
      n += k;
      sum += k * x;
      sumSq += k * x * x;
    }
    const m = n > 0 ? sum / n : 0;
    mean.push(m);
    std.push(Math.sqrt(Math.max(0, n > 0 ? sumSq / n - m * m : 0)));
  }
  return { mean, std };
}

/**
 * Writes `(bytes / 255 - mean[c]) / std[c]` for every HWC byte into `out`, starting at
 * `outOffset`. `std` must be positive.
 */
export function normalizeInto(
  bytes: Uint8Array,
  out: Float32Array,
  mean: ArrayLike<number>,
  std: ArrayLike<number>,
  channels: number,
  outOffset = 0,
): void {
  if (bytes.length % channels !== 0 || outOffset + bytes.length > out.length) {
    throw new RangeError(
      `normalizeInto: ${bytes.length} bytes do not fit ${channels} channels or the output (${out.length} floats from ${outOffset})`,
    );
  }
  for (let c = 0; c < channels; c++) {
    const scale = 1 / (255 * std[c]!);
    const shift = mean[c]! / std[c]!;
    for (let i = c; i < bytes.length; i += channels) out[outOffset + i] = bytes[i]! * scale - shift;
  }
}
