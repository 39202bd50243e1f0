import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = path.resolve('.');

type LockEntry = { version: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; resolved?: string; [k: string]: unknown };

/** Where `name`, required from the package installed at `from`, sits in a lockfile's packages (Node's lookup upwards). */
function locate(packages: Record<string, LockEntry>, from: string, name: string): string {
  for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
    const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[key]) return key;
    if (!dir) throw new Error(`lockfile has no ${name} reachable from ${from || 'the root'}`);
  }
}

/**
 * The consumer's package-lock.json: trickster from the tarball plus the closure of its runtime
 * dependencies as the repository's lockfile pins them (no dev dependencies), and tsx, the optional
 * peer that loads TypeScript configs, as the consumer's dev dependency, so that
 * `npm ci --offline` installs from the npm cache alone.
 */
function consumerLock(tarball: string, devDependencies: Record<string, string>): object {
  const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const root = lock.packages['']!;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { trickster: `file:${tarball}` }, devDependencies },
    'node_modules/trickster': { version: root.version, resolved: `file:${tarball}`, dependencies: root.dependencies, bin: { trickster: 'bin/trickster.js' } },
  };
  const queue: [string, Record<string, string>][] = [['', { ...root.dependencies, ...devDependencies }]];
  while (queue.length) {
    const [from, deps] = queue.shift()!;
    for (const name of Object.keys(deps)) {
      const key = locate(lock.packages, from, name);
      if (packages[key]) continue;
      const entry = lock.packages[key]!;
      // Entries written by an offline install lack `resolved`; the registry's URL is where npm cached the tarball.
      packages[key] = { resolved: `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`, ...entry };
      queue.push([key, { ...entry.dependencies, ...entry.optionalDependencies }]);
    }
  }
  return { name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

/**
 * Packs this repository with `npm pack` (which builds dist/ through `prepare`) and installs the
 * tarball into a fresh project in a temporary folder with `npm ci --offline`, tsx as its dev
 * dependency: the dependencies come from the npm cache the repository's own install filled.
 * Returns the project's folder.
 */
export async function installPackedTrickster(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'trickster-consumer-'));
  try {
    await packAndInstall(dir);
    return dir;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** `npm pack` into `dir`, then a package.json and lockfile naming the tarball, then `npm ci --offline` there. */
async function packAndInstall(dir: string): Promise<void> {
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: repo, maxBuffer: 1 << 24 });
  const tarball = stdout.trim().split('\n').at(-1)!;
  const tsx = (JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['tsx']!;
  const devDependencies = { tsx };
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies: { trickster: `file:${tarball}` }, devDependencies }, null, 2),
  );
  writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(consumerLock(tarball, devDependencies), null, 2));
  await run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, maxBuffer: 1 << 24 });
}
