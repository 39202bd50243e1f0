import { readFileSync } from 'node:fs';
import { DataError } from '../errors.js';

/** Reads a whole dataset file; a missing or unreadable file becomes a DataError naming it. */
export function readDataFile(file: string, hint: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`${file} does not exist. ${hint}`, 'DATA_NOT_FOUND');
    throw new DataError(`${file} cannot be read (${(err as Error).message}). ${hint}`, 'DATA_NOT_FOUND');
  }
}
