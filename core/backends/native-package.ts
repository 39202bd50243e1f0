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
 * Loads a native TF.js package (@tensorflow/tfjs-node or -gpu), which registers the `tensorflow`
 * backend: from node_modules when it is installed there (`npm install`), else from the
 * native:setup prefix. Throws, saying where it looked, when it is in neither.
 */
export async function loadNativePackage(pkg: string): Promise<void> {
  const fromHere = createRequire(import.meta.url);
  let installed = true;
  try {
    fromHere.resolve(pkg);
  } catch {
    installed = false;
  }
  if (installed) {
    await import(pkg);
    return;
  }
  // TensorFlow's C++ INFO lines (CPU features) would come before the run's first line; warnings stay.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '1';
  const prefix = nativePrefix();
  if (!prefix || !existsSync(path.join(prefix, 'node_modules', pkg, 'package.json'))) {
    throw new Error(`${pkg} is installed neither in node_modules nor ${prefix ? `in ${prefix}` : '(TRICKSTER_NATIVE_DIR is off)'}`);
  }
  createRequire(path.join(prefix, 'package.json'))(pkg);
}
