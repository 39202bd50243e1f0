/** Machine and software facts recorded with every bench result. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import { wasmKernelsBuild, type WasmKernelsBuild } from '../core/backends/wasm-simd/instance.js';
import { machineFacts, type MachineFacts } from '../core/machine.js';

/** What the numbers were measured on: the CPU a run records (core/machine.ts: model, family, vector flags, cores, Node) and more. */
export interface MachineInfo extends MachineFacts {
  memoryGiB: number;
  platform: string;
  tfjs: string;
  tfjsBackendWasm: string;
  /** Which build of trickster's wasm kernels this process runs (fused multiply-adds where the runtime accepts relaxed SIMD). */
  wasmKernels: WasmKernelsBuild | null;
  /** 1-minute load average when the bench started (other processes make timings noisy). */
  loadAverageAtStart: number;
}

function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    const pkg = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

/** CPU (model, family, vector flags), core count, memory, OS, Node, TF.js versions, the wasm kernels' build and the current load. */
export function machineInfo(): MachineInfo {
  return {
    ...machineFacts(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    tfjs: packageVersion('@tensorflow/tfjs'),
    tfjsBackendWasm: packageVersion('@tensorflow/tfjs-backend-wasm'),
    wasmKernels: wasmKernelsBuild(),
    loadAverageAtStart: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}
