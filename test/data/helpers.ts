import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach } from 'vitest';
import type { ImageDataset } from '../../core/data/types.js';

const made: string[] = [];

/** A fresh temp folder, removed after the current test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trickster-data-'));
  made.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Bytes of an unsigned-byte IDX file with these dims and data. */
export function idxBytes(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

/** Writes an IDX file, gzipped when `gz`. */
export function writeIdx(file: string, dims: number[], data: Uint8Array, gz = false): void {
  const bytes = idxBytes(dims, data);
  writeFileSync(file, gz ? gzipSync(bytes) : bytes);
}

/** A small dataset whose pixel values are `(image * 16 + position) & 255`. */
export function tinyDataset(count: number, height = 2, width = 2, channels = 1, numClasses = 3): ImageDataset {
  const size = height * width * channels;
  const images = Uint8Array.from({ length: count * size }, (_, i) => (Math.floor(i / size) * 16 + (i % size)) & 255);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % numClasses);
  const classNames = Array.from({ length: numClasses }, (_, i) => `c${i}`);
  return { images, labels, count, height, width, channels, numClasses, classNames };
}
