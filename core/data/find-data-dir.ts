import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { namedDataset } from './datasets/catalog.js';
import { namedDatasetDir } from './datasets/named-dataset.js';
import { DEFAULT_DATA_DIR, resolveDataDir } from './locate.js';

/** Where the data comes from: the --data flag, the config's `data.dir` (relative to `baseDir`), the environment. */
export interface DataDirOptions {
  readonly cliDir?: string;
  /** `data.dir` as written in the config. */
  readonly configDir?: string;
  /** Folder the config's relative `data.dir` is resolved against. */
  readonly baseDir?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The data folder to load: the first of --data, `data.dir`, $TRICKSTER_DATA that is set, as a
 * folder or, when no such folder exists and it names a known dataset (`fashion-mnist`, `mnist`,
 * `cifar10`), that dataset's folder (system install, else the cache, downloaded on first use).
 * With none set: the Debian Fashion-MNIST folder when installed, else Fashion-MNIST by name.
 */
export async function findDataDir(opts: DataDirOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const configDir = opts.configDir === undefined || opts.configDir === '' ? undefined : resolve(opts.baseDir ?? '.', opts.configDir);
  const given = [
    [opts.cliDir, opts.cliDir],
    [opts.configDir, configDir],
    [env['TRICKSTER_DATA'], env['TRICKSTER_DATA']],
  ].find(([raw]) => raw !== undefined && raw !== '');
  if (given) {
    const [raw, path] = given as [string, string];
    const named = namedDataset(raw);
    if (named && !existsSync(resolve(path))) return namedDatasetDir(named, env);
    return resolveDataDir({ cliDir: opts.cliDir, configDir, env });
  }
  if (existsSync(DEFAULT_DATA_DIR)) return DEFAULT_DATA_DIR;
  return namedDatasetDir(namedDataset('fashion-mnist')!, env);
}
