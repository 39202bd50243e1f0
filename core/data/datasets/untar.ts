import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../../errors.js';

/**
 * The regular files of a gzipped POSIX (ustar) tar archive whose paths are in `wanted`, by path.
 * A few lines of header parsing instead of a tar library: trickster unpacks one known archive
 * (CIFAR-10's), and only the members it names, so no path from the archive reaches the disk.
 */
export function readTarGz(file: string, wanted: ReadonlySet<string>): Map<string, Buffer> {
  const tar = gunzipSync(readFileSync(file));
  const found = new Map<string, Buffer>();
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, len: number) => header.subarray(from, from + len).toString('latin1').replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    if (Number.isNaN(size) || at + 512 + size > tar.length) throw new DataError(`${file} is not a complete tar archive (member ${name}); delete it and run again`);
    if ((type === '0' || type === '') && wanted.has(name)) found.set(name, tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return found;
}
