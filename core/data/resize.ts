/**
 * Resizes one HWC uint8 image with bilinear interpolation (half-pixel centres, edges clamped,
 * results rounded), writing into `dst` of `dstHeight * dstWidth * channels` bytes.
 */
export function resizeBilinearInto(
  src: Uint8Array,
  srcHeight: number,
  srcWidth: number,
  channels: number,
  dst: Uint8Array,
  dstHeight: number,
  dstWidth: number,
): void {
  const scaleY = srcHeight / dstHeight;
  const scaleX = srcWidth / dstWidth;
  for (let y = 0; y < dstHeight; y++) {
    const sy = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), srcHeight - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, srcHeight - 1);
    const fy = sy - y0;
    for (let x = 0; x < dstWidth; x++) {
      const sx = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), srcWidth - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, srcWidth - 1);
      const fx = sx - x0;
      const r0 = y0 * srcWidth;
      const r1 = y1 * srcWidth;
      for (let c = 0; c < channels; c++) {
        const top = src[(r0 + x0) * channels + c]! * (1 - fx) + src[(r0 + x1) * channels + c]! * fx;
        const bottom = src[(r1 + x0) * channels + c]! * (1 - fx) + src[(r1 + x1) * channels + c]! * fx;
        dst[(y * dstWidth + x) * channels + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
}
