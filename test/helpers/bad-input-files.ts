import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';

const execFileAsync = promisify(execFile);
const bin = path.resolve('bin/trickster.js');

/** What one run of the CLI left: exit code and both streams. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI (`node bin/trickster.js ...args`) in `cwd`; a run past `timeoutMs` is killed. */
export async function runCli(args: readonly string[], cwd: string, timeoutMs = 120_000): Promise<CliResult> {
  const env = { ...process.env };
  delete env.TRICKSTER_DATA;
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [bin, ...args], { cwd, env, timeout: timeoutMs, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number | string; stdout: string; stderr: string; killed?: boolean };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout, stderr: `${e.stderr}${e.killed ? '\n(killed: timeout)' : ''}` };
  }
}

/**
 * Runs the CLI's main(argv) in this process with `cwd` as the current folder, capturing what it
 * writes to stdout and stderr; the exit code is what main returns (bin/trickster.js exits with it).
 * Calls must not overlap: the folder and the streams are process-wide.
 */
export async function runMain(args: readonly string[], cwd: string): Promise<CliResult> {
  const { main } = await import('../../app/cli/main.js');
  const home = process.cwd();
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const out = { stdout: '', stderr: '' };
  const capture = (stream: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array) => {
      out[stream] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      return true;
    }) as typeof process.stdout.write;
  process.chdir(cwd);
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  try {
    const code = await main(['node', 'trickster', ...args]);
    return { code, ...out };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    process.chdir(home);
  }
}

/** sha256 of every file under `dir`, by path relative to it. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = createHash('sha256').update(readFileSync(file)).digest('hex');
  }
  return out;
}

/** Writes `text` (or bytes) to `dir/name`, making the folders on the way. */
export function writeIn(dir: string, name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

/** Copies the folder `from` to `dir/name` and returns the copy's path. */
export function copyIn(dir: string, name: string, from: string): string {
  const to = path.join(dir, name);
  cpSync(from, to, { recursive: true });
  return to;
}

/** Bytes of an unsigned-byte IDX file with these dims and data. */
function idxBytes(dims: readonly number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

/**
 * A folder of the four MNIST-layout IDX files holding `count` 4x4 images per split; `damage`
 * replaces the training images file with truncated bytes or a damaged gzip file.
 */
export function writeIdxFolder(dir: string, damage: 'truncated' | 'bad-gzip' | 'none', count = 4): string {
  const images = idxBytes([count, 4, 4], new Uint8Array(count * 16).fill(7));
  const labels = idxBytes([count], Uint8Array.from({ length: count }, (_, i) => i % 2));
  writeIn(dir, 'train-labels-idx1-ubyte', labels);
  writeIn(dir, 't10k-images-idx3-ubyte', images);
  writeIn(dir, 't10k-labels-idx1-ubyte', labels);
  if (damage === 'truncated') writeIn(dir, 'train-images-idx3-ubyte', images.subarray(0, images.length - 5));
  else if (damage === 'bad-gzip') writeIn(dir, 'train-images-idx3-ubyte.gz', gzipSync(images).subarray(0, 20));
  else writeIn(dir, 'train-images-idx3-ubyte', images);
  return dir;
}

/** Writes a `width` x `height` PNG of one grey `value`. */
function writePng(dir: string, name: string, width: number, height: number, value = 128): string {
  const png = new PNG({ width, height });
  png.data.fill(value);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  return writeIn(dir, name, PNG.sync.write(png));
}

/**
 * An image folder `dir/<class>/<n>.png` of `perClass` PNGs per class; `sizes` gives each class's
 * image size (one class per entry).
 */
export function writeImageFolder(dir: string, sizes: Record<string, number>, perClass = 3): string {
  for (const [cls, size] of Object.entries(sizes)) {
    for (let i = 0; i < perClass; i++) writePng(dir, `${cls}/${i}.png`, size, size, 40 * i);
  }
  return dir;
}
