// The committed core/backends/wasm-simd/kernels.wasm is what its source builds to: rebuilt here with
// clang + lld (scripts/build-wasm-kernels.mjs), byte for byte. Needs clang and lld (.ci/run installs them).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function hasTool(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('kernels.wasm', () => {
  it('rebuilds from kernels.c byte for byte', () => {
    const missing = ['clang', 'wasm-ld', 'llvm-objdump'].filter((t) => !hasTool(t));
    expect(missing, `missing ${missing.join(', ')}: install them with \`apt-get install -y clang lld\` (Debian), as .ci/run does`).toEqual([]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trickster-wasm-kernels-'));
    try {
      const out = path.join(dir, 'kernels.wasm');
      execFileSync(process.execPath, ['scripts/build-wasm-kernels.mjs', '--out', out], { stdio: 'pipe' });
      const rebuilt = readFileSync(out);
      const committed = readFileSync('core/backends/wasm-simd/kernels.wasm');
      expect(rebuilt.equals(committed), 'kernels.wasm differs from what kernels.c builds to: run `npm run build:wasm-kernels` and commit the binary').toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('imports only the backend memory and exports the kernels', () => {
    const module = new WebAssembly.Module(readFileSync('core/backends/wasm-simd/kernels.wasm'));
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(['batch_norm', 'batch_norm_grad', 'conv2d_backprop_filter', 'conv2d_backprop_input', 'conv2d_forward', 'max_pool_grad', 'moments', 'relu_grad']);
  });
});
