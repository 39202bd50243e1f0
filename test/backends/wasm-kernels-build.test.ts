// The committed core/backends/wasm-simd/kernels.wasm and kernels-fma.wasm are what their source builds
// to: rebuilt here (scripts/build-wasm-kernels.mjs), byte for byte. Needs clang + lld 14 and clang-19 +
// lld-19 (Debian's; .ci/run installs them).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const KERNELS = ['batch_norm', 'batch_norm_grad', 'conv2d_backprop_filter', 'conv2d_backprop_input', 'conv2d_forward', 'max_pool_grad', 'moments', 'relu_grad', 'sgd_step'];

describe('kernels.wasm and kernels-fma.wasm', () => {
  it('rebuild from kernels.c byte for byte', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trickster-wasm-kernels-'));
    try {
      try {
        execFileSync(process.execPath, ['scripts/build-wasm-kernels.mjs', '--out-dir', dir], { stdio: 'pipe' });
      } catch (err) {
        const stderr = String((err as { stderr?: Buffer }).stderr ?? '');
        throw new Error(`the kernels did not build (${stderr.trim()}): install \`apt-get install -y clang lld clang-19 lld-19\` (Debian), as .ci/run does`);
      }
      for (const file of ['kernels.wasm', 'kernels-fma.wasm']) {
        const rebuilt = readFileSync(path.join(dir, file));
        const committed = readFileSync(path.join('core/backends/wasm-simd', file));
        expect(rebuilt.equals(committed), `${file} differs from what kernels.c builds to: run \`npm run build:wasm-kernels\` and commit the binaries`).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('import only the backend memory and export the kernels; only the FMA build uses relaxed SIMD', () => {
    const module = new WebAssembly.Module(readFileSync('core/backends/wasm-simd/kernels.wasm'));
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(KERNELS);
    // f32x4.relaxed_madd is the SIMD prefix 0xfd and LEB128 0x105 (fd 85 02), counted at instruction starts of
    // LLVM 19's disassembly (which prints it as <unknown>).
    const objdump = path.join(execFileSync('llvm-config-19', ['--bindir'], { encoding: 'utf8' }).trim(), 'llvm-objdump');
    const madd = (file: string): number => (execFileSync(objdump, ['-d', file], { encoding: 'utf8' }).match(/^\s*[0-9a-f]+:\s+fd 85 02\s/gm) ?? []).length;
    expect(madd('core/backends/wasm-simd/kernels.wasm')).toBe(0);
    expect(madd('core/backends/wasm-simd/kernels-fma.wasm')).toBeGreaterThan(0);
  });
});
