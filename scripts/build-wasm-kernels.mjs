// `npm run build:wasm-kernels`: compiles core/backends/wasm-simd/kernels.c (both committed) into
//   kernels.wasm      wasm32 + SIMD128, with Debian's clang 14 + lld (`apt-get install clang lld`);
//   kernels-fma.wasm  the same with relaxed SIMD and TRICKSTER_FMA (the conv tiles' multiply-adds as
//                     f32x4.relaxed_madd), with Debian's clang 19 (`apt-get install clang-19 lld-19`),
//                     since clang 14 emits relaxed SIMD's pre-standard opcodes, which V8 rejects.
// It checks that each module can safely share the tfjs wasm backend's memory: it imports its memory,
// has no data section and never touches the C stack pointer (either would write into memory tfjs
// owns). `--out-dir DIR` writes both elsewhere (the test that the committed binaries are reproducible
// builds into a temporary folder).
import { execFileSync } from 'node:child_process';
import { renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'core', 'backends', 'wasm-simd');
const outFlag = process.argv.indexOf('--out-dir');
const outDir = outFlag >= 0 ? process.argv[outFlag + 1] : dir;

/** The bin folder of LLVM `version` (clang, wasm-ld, llvm-objdump of that release), or exit 2 with how to install it. */
function llvmBin(config, hint) {
  try {
    const bin = execFileSync(config, ['--bindir'], { encoding: 'utf8' }).trim();
    for (const tool of ['clang', 'wasm-ld', 'llvm-objdump']) execFileSync(join(bin, tool), ['--version'], { stdio: 'ignore' });
    return bin;
  } catch {
    console.error(`build-wasm-kernels: ${config} (clang, wasm-ld, llvm-objdump) not found; install it: ${hint}`);
    process.exit(2);
  }
}

/** Builds kernels.c with `bin`'s clang and `flags` into `file` in the output folder, then checks the module. */
function build(bin, flags, file) {
  const out = join(outDir, file);
  const tmp = `${out}.tmp`;
  execFileSync(join(bin, 'clang'), [
    '--target=wasm32', '-O3', '-msimd128', ...flags, '-fno-builtin', '-nostdlib',
    // Relative source path and no build-id: the same bytes on every machine with the same clang.
    '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--strip-all',
    '-o', tmp, 'kernels.c',
  ], { cwd: dir, stdio: 'inherit', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  const objdump = join(bin, 'llvm-objdump');
  const headers = execFileSync(objdump, ['-h', tmp], { encoding: 'utf8' });
  const code = execFileSync(objdump, ['-d', tmp], { encoding: 'utf8' });
  if (/\bDATA\b/.test(headers)) throw new Error(`${file} has a data section: it would overwrite the tfjs backend memory; remove static data from kernels.c`);
  if (/global\.(get|set)/.test(code)) throw new Error(`${file} uses the C stack (global.get/set of __stack_pointer): keep kernels.c free of stack arrays and calls that spill`);
  renameSync(tmp, out);
  console.log(`built ${out}`);
}

build(llvmBin('llvm-config', 'apt-get install -y clang lld llvm'), [], 'kernels.wasm');
build(llvmBin('llvm-config-19', 'apt-get install -y clang-19 lld-19'), ['-mrelaxed-simd', '-DTRICKSTER_FMA'], 'kernels-fma.wasm');
