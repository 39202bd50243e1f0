/**
 * trickster's own WebAssembly SIMD kernels (./kernels.c, built into ./kernels.wasm by
 * `npm run build:wasm-kernels`), instantiated on the tfjs wasm backend's own WebAssembly.Memory so
 * that they read and write tensors in place, by memoryOffset, with no copies. Memory growth needs
 * nothing here: the instance imports the same Memory object, and pointers are offsets.
 */
import { readFileSync } from 'node:fs';
import type { DataId, DataType, TensorInfo } from '@tensorflow/tfjs';

/** The exports of kernels.wasm (arguments are byte offsets into the backend's memory, or sizes). */
export interface WasmSimdExports {
  max_pool_grad(x: number, dy: number, dx: number, n: number, h: number, w: number, ch: number, ho: number, wo: number, kh: number, kw: number, sh: number, sw: number, padTop: number, padLeft: number): void;
  moments(x: number, mean: number, variance: number, scratch: number, m: number, ch: number): void;
  batch_norm(x: number, mean: number, variance: number, gamma: number, beta: number, eps: number, y: number, scratch: number, m: number, ch: number): void;
  relu_grad(dy: number, x: number, dx: number, size: number): void;
  batch_norm_grad(dy: number, x: number, mean: number, variance: number, gamma: number, eps: number, dx: number, dgamma: number, dbeta: number, scratch: number, m: number, ch: number): void;
  conv2d_backprop_filter(x: number, dy: number, dw: number, n: number, h: number, w: number, cin: number, ho: number, wo: number, cout: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw_: number, padTop: number, padLeft: number, blockFloats: number): void;
  conv2d_forward(x: number, w: number, y: number, n: number, h: number, w_: number, cin: number, ho: number, wo: number, cout: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number): void;
  conv2d_backprop_input(dy: number, w: number, wt: number, dx: number, n: number, h: number, w_: number, cin: number, ho: number, wo: number, cout: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, blockFloats: number): void;
}

/** The parts of tfjs' BackendWasm these kernels use. */
interface WasmBackendInternals {
  wasm?: { asm?: { memory?: unknown } };
  dataIdMap: { get(dataId: DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: DataId): boolean;
}

/** The kernels bound to one backend: their exports and where tensors live. */
export interface WasmSimdKernels {
  readonly exports: WasmSimdExports;
  /** Byte offset of a tensor's data in the backend's memory. */
  offset(info: TensorInfo): number;
  /** A new float32 output tensor of the backend (uninitialised). */
  output(shape: number[]): TensorInfo;
  /** Frees a tensor made with {@link output}. */
  free(info: TensorInfo): void;
}

let enabled = true;
let moduleBytes: WebAssembly.Module | null | undefined;
const bound = new WeakMap<object, WasmSimdKernels | null>();

/** Turns the SIMD kernels off (the stock compositions run instead) or back on; for A/B measurement and tests. */
export function setWasmSimdKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** The compiled kernels.wasm, or null where it cannot be read (e.g. no file system). */
function compiledModule(): WebAssembly.Module | null {
  if (moduleBytes === undefined) {
    try {
      moduleBytes = new WebAssembly.Module(readFileSync(new URL('./kernels.wasm', import.meta.url)));
    } catch {
      moduleBytes = null;
    }
  }
  return moduleBytes;
}

/** The backend's WebAssembly.Memory (Emscripten exports it as Module.asm.memory in the single-threaded build), or null. */
function backendMemory(backend: WasmBackendInternals): WebAssembly.Memory | null {
  const memory = backend.wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/**
 * The SIMD kernels on `backend`'s memory, or null when they are turned off, kernels.wasm cannot be
 * loaded, or the backend's memory cannot be reached (not the wasm backend, a build that does not
 * export its memory, or one whose shared memory the module cannot import): callers then run the
 * stock composition.
 */
export function wasmSimdKernels(backend: unknown): WasmSimdKernels | null {
  if (!enabled || typeof backend !== 'object' || backend === null) return null;
  if (bound.has(backend)) return bound.get(backend)!;
  const b = backend as WasmBackendInternals;
  const memory = typeof b.makeOutput === 'function' && b.dataIdMap ? backendMemory(b) : null;
  const module = memory && compiledModule();
  let kernels: WasmSimdKernels | null = null;
  if (memory && module) {
    try {
      const instance = new WebAssembly.Instance(module, { env: { memory } });
      kernels = {
        exports: instance.exports as unknown as WasmSimdExports,
        offset: (info) => b.dataIdMap.get(info.dataId)!.memoryOffset,
        output: (shape) => b.makeOutput(shape, 'float32'),
        free: (info) => void b.disposeData(info.dataId),
      };
    } catch {
      kernels = null;
    }
  }
  bound.set(backend, kernels);
  return kernels;
}
