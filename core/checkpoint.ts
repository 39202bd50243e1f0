import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from './errors.js';

const MAGIC = 'TRKCKPT1';

/** Everything a run needs to continue: counters, JSON state and named tensors. */
export interface CheckpointData {
  readonly json: Record<string, unknown>;
  readonly tensors: Record<string, tf.Tensor>;
}

interface TensorEntry {
  key: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  length: number;
}

/**
 * Writes a checkpoint atomically: the bytes go to `file.tmp`, are flushed to disk, then renamed
 * over `file`, so a crash leaves either the old checkpoint or the new one, never half of one.
 * Layout: magic "TRKCKPT1", uint32 LE header length, header JSON, tensor bytes.
 */
export async function writeCheckpoint(file: string, data: CheckpointData): Promise<void> {
  const entries: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [key, t] of Object.entries(data.tensors)) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new CheckpointError(`cannot checkpoint tensor "${key}" of dtype ${t.dtype}`);
    const values = (await t.data()) as Float32Array | Int32Array;
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    entries.push({ key, shape: t.shape, dtype: t.dtype, offset, length: bytes.byteLength });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const header = Buffer.from(JSON.stringify({ version: 1, json: data.json, tensors: entries }), 'utf8');
  const prefix = Buffer.alloc(MAGIC.length + 4);
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(header.byteLength, MAGIC.length);
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, prefix);
    writeSync(fd, header);
    for (const c of chunks) writeSync(fd, c);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** A checkpoint file's bytes, header and where its tensor data starts, checked whole (magic, header, every tensor's extent). */
function parseCheckpoint(file: string): { buf: Buffer; header: { version: number; json: Record<string, unknown>; tensors: TensorEntry[] }; dataStart: number } {
  if (!existsSync(file)) throw new CheckpointError(`no checkpoint at ${file}; pass the run directory of a run that finished at least one epoch`);
  const buf = readFileSync(file);
  if (buf.byteLength < MAGIC.length + 4 || buf.toString('ascii', 0, MAGIC.length) !== MAGIC) {
    throw new CheckpointError(`${file} is not a trickster checkpoint (bad magic bytes)`);
  }
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (start + headerLength > buf.byteLength) throw new CheckpointError(`${file} is truncated (header runs past the end of the file)`);
  let header: { version: number; json: Record<string, unknown>; tensors: TensorEntry[] };
  try {
    header = JSON.parse(buf.toString('utf8', start, start + headerLength));
  } catch {
    throw new CheckpointError(`${file} has a corrupt header`);
  }
  const dataStart = start + headerLength;
  for (const e of header.tensors) {
    if (dataStart + e.offset + e.length > buf.byteLength) {
      throw new CheckpointError(`${file} is truncated: tensor "${e.key}" needs ${e.length} bytes at ${e.offset}, file has ${buf.byteLength - dataStart}`);
    }
  }
  return { buf, header, dataStart };
}

/** Checks a checkpoint file whole (as readCheckpoint does) without making tensors; throws CheckpointError naming what is wrong. */
export function verifyCheckpoint(file: string): void {
  parseCheckpoint(file);
}

/** Reads a checkpoint written by writeCheckpoint; the caller owns (and disposes) the tensors. */
export function readCheckpoint(file: string): CheckpointData {
  const { buf, header, dataStart } = parseCheckpoint(file);
  const tensors: Record<string, tf.Tensor> = {};
  for (const e of header.tensors) {
    const bytes = buf.subarray(dataStart + e.offset, dataStart + e.offset + e.length);
    const copy = new Uint8Array(bytes).buffer;
    const values = e.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
    tensors[e.key] = tf.tensor(values, e.shape, e.dtype);
  }
  return { json: header.json, tensors };
}
