// `npm run build:wasm-kernels`: compiles core/backends/wasm-simd/kernels.c into kernels.wasm (committed)
// with Debian's clang + lld (wasm32, SIMD128), and checks that the module can safely share the tfjs
// wasm backend's memory: it imports its memory, has no data section and never touches the C stack
// pointer (either would write into memory tfjs owns). `--out FILE` writes elsewhere (the test that
// the committed binary is reproducible builds into a temporary file).
import { execFileSync } from 'node:child_process';
import { renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'core', 'backends', 'wasm-simd');
const outFlag = process.argv.indexOf('--out');
const out = outFlag >= 0 ? process.argv[outFlag + 1] : join(dir, 'kernels.wasm');

function need(tool, hint) {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
  } catch {
    console.error(`build-wasm-kernels: ${tool} not found; install it: ${hint}`);
    process.exit(2);
  }
}
need('clang', 'apt-get install -y clang lld');
need('wasm-ld', 'apt-get install -y lld');
need('llvm-objdump', 'apt-get install -y llvm (comes with clang on Debian)');

const tmp = `${out}.tmp`;
execFileSync('clang', [
  '--target=wasm32', '-O3', '-msimd128', '-fno-builtin', '-nostdlib',
  // Relative source path and no build-id: the same bytes on every machine with the same clang.
  '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--strip-all',
  '-o', tmp, 'kernels.c',
], { cwd: dir, stdio: 'inherit' });
const headers = execFileSync('llvm-objdump', ['-h', tmp], { encoding: 'utf8' });
const code = execFileSync('llvm-objdump', ['-d', tmp], { encoding: 'utf8' });
if (/\bDATA\b/.test(headers)) throw new Error('kernels.wasm has a data section: it would overwrite the tfjs backend memory; remove static data from kernels.c');
if (/global\.(get|set)/.test(code)) throw new Error('kernels.wasm uses the C stack (global.get/set of __stack_pointer): keep kernels.c free of stack arrays and calls that spill');
renameSync(tmp, out);
console.log(`built ${out}`);
