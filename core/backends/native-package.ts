import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding trickster's package.json (the checkout, or the installed package). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/**
 * Where `npm run native:setup` installs the native TF.js packages: $TRICKSTER_NATIVE_DIR, or
 * `.native` in trickster's folder; undefined when TRICKSTER_NATIVE_DIR is `off` (the main test
 * suite sets that, so `auto` there stays on wasm whether or not the setup ran).
 */
export function nativePrefix(): string | undefined {
  const configured = process.env.TRICKSTER_NATIVE_DIR;
  if (configured === 'off') return undefined;
  return configured ? path.resolve(configured) : path.join(packageRoot(), '.native');
}

/**
 * Where a native TF.js package (@tensorflow/tfjs-node or -gpu) is installed: `node_modules` when
 * trickster's own resolution finds it (`npm install`), else `prefix` (the native:setup one).
 * Throws, saying where it looked, when it is in neither. Loads nothing.
 */
export function findNativePackage(pkg: string): { in: 'node_modules' } | { in: 'prefix'; prefix: string } {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return { in: 'node_modules' };
  } catch {
    // not in node_modules: look in the prefix
  }
  const prefix = nativePrefix();
  if (!prefix || !existsSync(path.join(prefix, 'node_modules', pkg, 'package.json'))) {
    throw new Error(`${pkg} is installed neither in node_modules nor ${prefix ? `in ${prefix}` : '(TRICKSTER_NATIVE_DIR is off)'}`);
  }
  return { in: 'prefix', prefix };
}

/**
 * Loads a native TF.js package, which registers the `tensorflow` backend, from where
 * findNativePackage finds it; throws its error when it is nowhere.
 */
export async function loadNativePackage(pkg: string): Promise<void> {
  const found = findNativePackage(pkg);
  // TensorFlow's C++ INFO lines (CPU features) would come before the run's first line; warnings stay.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '1';
  if (found.in === 'node_modules') await import(pkg);
  else createRequire(path.join(found.prefix, 'package.json'))(pkg);
}
