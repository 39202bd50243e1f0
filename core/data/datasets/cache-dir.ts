import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where datasets fetched by name are kept: $TRICKSTER_CACHE, else $XDG_CACHE_HOME/trickster, else
 * ~/.cache/trickster (%LOCALAPPDATA%\trickster on Windows). Empty variables count as unset.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['TRICKSTER_CACHE']) return resolve(env['TRICKSTER_CACHE']);
  if (env['XDG_CACHE_HOME']) return join(resolve(env['XDG_CACHE_HOME']), 'trickster');
  if (process.platform === 'win32' && env['LOCALAPPDATA']) return join(env['LOCALAPPDATA'], 'trickster');
  return join(homedir(), '.cache', 'trickster');
}
