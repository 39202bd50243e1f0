import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TricksterError } from '../../errors.js';

const MAGIC = Buffer.from('TRKDIR1\n');

/** What a packed run directory says about itself beside its files. */
export interface PackHeader {
  /** Epochs its metrics.jsonl had logged when it was packed (to pick the newer of two copies). */
  readonly epochs: number;
  readonly files: ReadonlyArray<{ readonly path: string; readonly size: number }>;
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) return listFiles(dir, rel);
    // *.tmp are files being written (a checkpoint before its rename): not part of the run yet.
    return e.isFile() && !e.name.endsWith('.tmp') ? [rel] : [];
  });
}

/**
 * Packs every file under `dir` (whatever the run wrote: metrics, checkpoint, model/, summary...)
 * into one buffer: magic, header length, JSON header, then the files' bytes in header order.
 */
export function packDir(dir: string, epochs: number): Buffer {
  const files = listFiles(dir).map((rel) => ({ rel, bytes: readFileSync(path.join(dir, rel)) }));
  const header = Buffer.from(JSON.stringify({ epochs, files: files.map((f) => ({ path: f.rel, size: f.bytes.length })) } satisfies PackHeader));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  return Buffer.concat([MAGIC, length, header, ...files.map((f) => f.bytes)]);
}

/** The header of a packed directory and where its data starts; a damaged pack is CHECKPOINT_INVALID. */
export function packHeader(pack: Buffer): { header: PackHeader; dataStart: number } {
  if (pack.length < MAGIC.length + 4 || !pack.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new TricksterError('CHECKPOINT_INVALID', 'a stored run directory is not a trickster pack (bad magic bytes); the trial starts over');
  }
  const length = pack.readUInt32BE(MAGIC.length);
  const header = JSON.parse(pack.subarray(MAGIC.length + 4, MAGIC.length + 4 + length).toString()) as PackHeader;
  return { header, dataStart: MAGIC.length + 4 + length };
}

/**
 * Replaces `dir` with the packed directory: the files are written to a sibling folder first and
 * swapped in by renames, so `dir` is never half of one copy and half of another.
 */
export function unpackDir(pack: Buffer, dir: string): PackHeader {
  const { header, dataStart } = packHeader(pack);
  const outside = header.files.find((f) => path.isAbsolute(f.path) || f.path.split('/').includes('..'));
  if (outside) throw new TricksterError('CHECKPOINT_INVALID', `a stored run directory names a file outside itself (${outside.path}); it is ignored`);
  const incoming = `${dir}.incoming-${process.pid}`;
  rmSync(incoming, { recursive: true, force: true });
  let offset = dataStart;
  for (const f of header.files) {
    const target = path.join(incoming, f.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, pack.subarray(offset, offset + f.size));
    offset += f.size;
  }
  mkdirSync(incoming, { recursive: true });
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  mkdirSync(path.dirname(dir), { recursive: true });
  renameSync(incoming, dir);
  rmSync(old, { recursive: true, force: true });
  return header;
}
