import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TricksterError } from '../errors.js';

/**
 * The `trickster` executable of the package this module belongs to: the `bin.trickster` entry of
 * the nearest package.json named "trickster" above this file, so it is found from the sources,
 * a compiled copy or an installed package alike, whatever the working folder.
 */
export function tricksterBin(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; bin?: string | Record<string, string> };
      const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.trickster;
      if (pkg.name === 'trickster' && bin && existsSync(path.join(dir, bin))) return path.join(dir, bin);
    }
    if (path.dirname(dir) === dir) break;
  }
  throw new TricksterError('CONFIG_NOT_FOUND', `cannot find the trickster executable (bin/trickster.js of the trickster package) above ${from}; reinstall trickster`);
}
