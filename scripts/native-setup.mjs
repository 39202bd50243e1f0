// `npm run native:setup [-- --gpu]`: installs @tensorflow/tfjs-node (or -gpu) into .native/ (or
// $TRICKSTER_NATIVE_DIR) without its install script, which downloads libtensorflow from Google's
// storage, and builds its N-API binding against the TensorFlow shared libraries of PyPI's
// TensorFlow wheel. Idempotent: each step is skipped when its result is already there.
// The main node_modules is never touched, so `npm ci` and package-lock.json stay as they are.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The TensorFlow release whose wheel provides libtensorflow (its C API is what tfjs-node 4.x calls). */
const TF_VERSION = '2.15.1';
/** The wheel is chosen for this CPython and platform whatever python3 is here: only its C++ libraries are used. */
const WHEEL_PYTHON = '3.11';
const WHEEL_PLATFORM = 'manylinux2014_x86_64';
/** N-API version the binding is built for; node-pre-gyp picks lib/napi-v8 on Node >= 15. */
const NAPI_VERSION = 8;

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const gpu = process.argv.includes('--gpu');
const pkg = gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
const variant = gpu ? 'gpu' : 'cpu';
const cacheDir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'trickster', 'native');
const prefix = path.resolve(process.env.TRICKSTER_NATIVE_DIR || path.join(root, '.native'));
const pkgDir = path.join(prefix, 'node_modules', pkg);

/** A setup failure with the fix; printed as one line, exit code 1. */
class SetupError extends Error {}

/** Runs a command, streaming its output; throws a SetupError naming it when it fails. */
function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (result.error || result.status !== 0) {
    throw new SetupError(`\`${cmd} ${args.join(' ')}\` failed (${result.error?.message ?? `exit ${result.status}`}); see its output above`);
  }
}

/** Whether `cmd args` runs and exits 0 (its output discarded). */
function works(cmd, args) {
  const result = spawnSync(cmd, args, { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

/** Times `fn`, logging `label` and the seconds it took. */
function timed(label, fn) {
  const start = performance.now();
  fn();
  console.log(`native:setup: ${label} (${((performance.now() - start) / 1000).toFixed(1)} s)`);
}

/** Checks everything the setup needs before doing anything; returns the node-gyp script and Node's header prefix. */
function checkPrerequisites() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new SetupError(`native:setup builds for Linux x86-64 only (this is ${process.platform}-${process.arch}); elsewhere use \`npm install ${pkg}\`, whose install script downloads libtensorflow`);
  }
  if (process.env.TRICKSTER_NATIVE_DIR === 'off') throw new SetupError('TRICKSTER_NATIVE_DIR is "off"; unset it or set it to the folder to install into');
  if (!works('python3', ['-m', 'pip', '--version'])) {
    throw new SetupError('python3 with pip is needed to download the TensorFlow wheel from PyPI; install it (Debian: apt-get install -y python3-pip)');
  }
  for (const tool of ['g++', 'make']) {
    if (!works(tool, ['--version'])) throw new SetupError(`${tool} is needed to build the tfjs-node binding; install it (Debian: apt-get install -y g++ make)`);
  }
  const nodedir = process.env.npm_config_nodedir || path.resolve(path.dirname(process.execPath), '..');
  if (!existsSync(path.join(nodedir, 'include', 'node', 'node_api.h'))) {
    throw new SetupError(
      `Node's C headers are not in ${path.join(nodedir, 'include', 'node')}; install them (Debian's nodejs: apt-get install -y libnode-dev; nodejs.org builds ship them) or set npm_config_nodedir to the prefix that has include/node`,
    );
  }
  if (Number(process.versions.napi) < NAPI_VERSION) throw new SetupError(`Node ${process.version} lacks N-API ${NAPI_VERSION}; use Node >= 20.19 as package.json says`);
  const npmDir = process.env.npm_execpath ? path.join(path.dirname(process.env.npm_execpath), '..') : undefined;
  const nodeGyp = [process.env.npm_config_node_gyp, npmDir && path.join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')].find((p) => p && existsSync(p));
  if (!nodeGyp) throw new SetupError('node-gyp (bundled with npm) was not found; run this as `npm run native:setup`');
  return { nodeGyp, nodedir };
}

/** The @tensorflow/tfjs version trickster runs on; tfjs-node is installed at the same version. */
function tfjsVersion() {
  try {
    return createRequire(path.join(root, 'package.json'))('@tensorflow/tfjs/package.json').version;
  } catch {
    throw new SetupError('@tensorflow/tfjs is not installed in this checkout; run `npm ci` first');
  }
}

/** pip arguments that pick the pinned wheel for WHEEL_PYTHON/WHEEL_PLATFORM, whatever Python runs pip. */
const pipPlatform = ['--only-binary=:all:', '--python-version', WHEEL_PYTHON, '--platform', WHEEL_PLATFORM, '--implementation', 'cp'];

/**
 * CPU: downloads the tensorflow-cpu wheel into the cache (kept across setups) and unpacks its two
 * shared libraries and the C API headers. GPU: installs `tensorflow[and-cuda]` with pip into the
 * cache, so the CUDA libraries sit in nvidia/ beside tensorflow/, where the wheel's RUNPATH
 * ($ORIGIN/../nvidia/...) looks for them. Returns the folder holding tensorflow/.
 */
function prepareTensorFlow() {
  const dest = path.join(cacheDir, `tensorflow-${variant}-${TF_VERSION}`);
  if (existsSync(path.join(dest, 'tensorflow', 'libtensorflow_cc.so.2'))) {
    console.log(`native:setup: TensorFlow ${TF_VERSION} (${variant}) already unpacked in ${dest}`);
  } else if (gpu) {
    rmSync(`${dest}.tmp`, { recursive: true, force: true });
    timed(`pip installed tensorflow[and-cuda]==${TF_VERSION} into ${dest}`, () =>
      run('python3', ['-m', 'pip', 'install', '--no-compile', '--target', `${dest}.tmp`, ...pipPlatform, `tensorflow[and-cuda]==${TF_VERSION}`]),
    );
    renameSync(`${dest}.tmp`, dest);
  } else {
    const wheels = path.join(cacheDir, 'wheels');
    const findWheel = () => existsSync(wheels) && readdirSync(wheels).find((f) => f.startsWith(`tensorflow_cpu-${TF_VERSION}-`) && f.endsWith('.whl'));
    if (!findWheel()) {
      timed(`downloaded tensorflow-cpu==${TF_VERSION} into ${wheels}`, () =>
        run('python3', ['-m', 'pip', 'download', '--no-deps', ...pipPlatform, '--dest', wheels, `tensorflow-cpu==${TF_VERSION}`]),
      );
    }
    const wheel = findWheel();
    if (!wheel) throw new SetupError(`pip reported success but no tensorflow_cpu-${TF_VERSION} wheel is in ${wheels}`);
    timed(`unpacked libtensorflow and its C API headers into ${dest}`, () => run('python3', [path.join(root, 'scripts', 'native', 'unpack-wheel.py'), path.join(wheels, wheel), dest]));
  }
  // The names binding.gyp links with (-ltensorflow -ltensorflow_framework), beside the real files.
  linkTo(path.join(dest, 'tensorflow', 'libtensorflow.so'), 'libtensorflow_cc.so.2');
  linkTo(path.join(dest, 'tensorflow', 'libtensorflow_framework.so'), 'libtensorflow_framework.so.2');
  return dest;
}

/** Makes `link` a symlink to `target`, replacing whatever is at `link` unless it already points there. */
function linkTo(link, target) {
  const stat = lstatSync(link, { throwIfNoEntry: false });
  if (stat?.isSymbolicLink() && readlinkSync(link) === target) return;
  if (stat) rmSync(link, { recursive: true, force: true });
  symlinkSync(target, link);
}

/**
 * Installs `pkg` at trickster's tfjs version into the prefix without install scripts, then points
 * the prefix's copies of the @tensorflow/tfjs* packages at trickster's own, so that one tfjs runs
 * (two copies share one engine but re-register every kernel, with a warning each).
 */
function installPackage(version) {
  if (!existsSync(path.join(prefix, 'package.json'))) {
    mkdirSync(prefix, { recursive: true });
    writeFileSync(path.join(prefix, 'package.json'), `${JSON.stringify({ name: 'trickster-native', private: true, description: 'Written by npm run native:setup' }, null, 2)}\n`);
  }
  const installed = existsSync(path.join(pkgDir, 'package.json')) && JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
  if (installed === version) {
    console.log(`native:setup: ${pkg}@${version} already installed in ${prefix}`);
  } else {
    timed(`installed ${pkg}@${version} into ${prefix} without its install script`, () =>
      run('npm', ['install', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund', '--save-exact', `${pkg}@${version}`]),
    );
  }
  const own = createRequire(path.join(root, 'package.json'));
  const scope = path.join(prefix, 'node_modules', '@tensorflow');
  for (const name of readdirSync(scope).filter((n) => n.startsWith('tfjs') && !n.startsWith('tfjs-node'))) {
    let target;
    try {
      target = path.dirname(own.resolve(`@tensorflow/${name}/package.json`));
    } catch {
      continue; // trickster has no copy of it; the prefix keeps its own
    }
    if (JSON.parse(readFileSync(path.join(target, 'package.json'), 'utf8')).version === version) linkTo(path.join(scope, name), target);
  }
}

/**
 * Builds the binding with node-gyp against Node's headers and the unpacked TensorFlow. deps/lib
 * and deps/include are symlinks to the unpacked wheel's folder, not copies: the GPU wheel finds
 * CUDA through $ORIGIN/../nvidia, which only resolves from the wheel's own folder.
 */
function buildBinding(tfDir, { nodeGyp, nodedir }) {
  mkdirSync(path.join(pkgDir, 'deps'), { recursive: true });
  linkTo(path.join(pkgDir, 'deps', 'lib'), path.join(tfDir, 'tensorflow'));
  linkTo(path.join(pkgDir, 'deps', 'include'), path.join(tfDir, 'tensorflow', 'include'));
  const modulePath = path.join(pkgDir, 'lib', `napi-v${NAPI_VERSION}`);
  const stampFile = path.join(modulePath, 'trickster-native.json');
  const stamp = JSON.stringify({ tensorflow: TF_VERSION, variant, tfDir });
  if (existsSync(path.join(modulePath, 'tfjs_binding.node')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    console.log(`native:setup: binding already built against TensorFlow ${TF_VERSION} (${variant})`);
    return;
  }
  timed('built the tfjs-node binding', () =>
    run(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodedir}`, `--napi_build_version=${NAPI_VERSION}`, '--module_name=tfjs_binding', `--module_path=${modulePath}`], { cwd: pkgDir }),
  );
  writeFileSync(stampFile, stamp);
}

/** Loads the package in a fresh Node and checks that the tensorflow backend initialises. */
function verify() {
  const check = `const tf = require(${JSON.stringify(pkgDir)}); tf.setBackend('tensorflow').then((ok) => { if (!ok) process.exit(1); console.log(tf.add(1, 2).dataSync()[0] === 3 ? tf.getBackend() : 'wrong'); });`;
  let out;
  try {
    out = execFileSync(process.execPath, ['-e', check], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } }).trim();
  } catch (err) {
    throw new SetupError(`${pkg} was built but does not load: ${String(err.stderr || err.message).trim().split('\n').at(-1)}`);
  }
  if (out !== 'tensorflow') throw new SetupError(`${pkg} loaded but the tensorflow backend did not compute 1 + 2 (got "${out}")`);
}

try {
  const tools = checkPrerequisites();
  const version = tfjsVersion();
  const start = performance.now();
  const tfDir = prepareTensorFlow();
  installPackage(version);
  buildBinding(tfDir, tools);
  verify();
  console.log(`native:setup: ready in ${((performance.now() - start) / 1000).toFixed(1)} s: ${pkg}@${version} on TensorFlow ${TF_VERSION} in ${prefix}; --backend auto now picks tensorflow`);
} catch (err) {
  if (!(err instanceof SetupError)) throw err;
  console.error(`native:setup: ${err.message}`);
  process.exit(1);
}
