/**
 * trickster's own WebAssembly SIMD kernels (./kernels.c, built by `npm run build:wasm-kernels`),
 * instantiated on the tfjs wasm backend's own WebAssembly.Memory so that they read and write tensors
 * in place, by memoryOffset, with no copies. Memory growth needs nothing here: the instance imports
 * the same Memory object, and pointers are offsets.
 *
 * Two builds: ./kernels-fma.wasm runs the conv tiles' multiply-adds as relaxed SIMD's
 * f32x4.relaxed_madd (one fused multiply-add on CPUs with FMA: ~12% less conv time on an AVX-512
 * Xeon) and is used where the runtime accepts relaxed SIMD: by default from V8 11.4 (Node 22,
 * Chrome 114); on Node 20 after turning on V8's `--experimental-wasm-relaxed-simd` (done here, once,
 * before the first compile). ./kernels.wasm (SIMD128 only: multiply, then add) runs elsewhere, or
 * everywhere with TRICKSTER_WASM_FMA=0. A fused multiply-add rounds once where the pair rounds twice,
 * so the two builds' results differ in the last bits; one machine always gets the same ones.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
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
  sgd_step(w: number, g: number, b: number, wOut: number, bOut: number, n: number, lr: number, wd: number, mu: number, keep: number, wdOn: number, dampOn: number, nesterov: number, first: number): void;
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

/** Which build of kernels.c runs: with fused multiply-adds (relaxed SIMD) or SIMD128 only. */
export type WasmKernelsBuild = 'fma' | 'simd128';

let enabled = true;
let fmaWanted = process.env.TRICKSTER_WASM_FMA !== '0';
const modules = new Map<WasmKernelsBuild, WebAssembly.Module | null>();
let bound = new WeakMap<object, WasmSimdKernels | null>();

/** Turns the SIMD kernels off (the stock compositions run instead) or back on; for A/B measurement and tests. */
export function setWasmSimdKernelsEnabled(on: boolean): void {
  enabled = on;
}

/**
 * Prefers the fused multiply-add build (where the runtime accepts it) or the SIMD128 build from the
 * next kernel call on; for A/B measurement and tests (TRICKSTER_WASM_FMA=0 sets the default to off).
 */
export function setWasmFmaKernelsEnabled(on: boolean): void {
  fmaWanted = on;
  bound = new WeakMap();
}

/** The bytes of `file` next to this module, or null where they cannot be read (e.g. no file system). */
function readBytes(file: string): Uint8Array<ArrayBuffer> | null {
  try {
    return new Uint8Array(readFileSync(new URL(file, import.meta.url)));
  } catch {
    return null;
  }
}

/** Whether this runtime accepts relaxed SIMD, turning on V8's flag for it first where it exists but is off (Node 20). */
function acceptsRelaxedSimd(bytes: Uint8Array<ArrayBuffer>): boolean {
  if (WebAssembly.validate(bytes)) return true;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return WebAssembly.validate(bytes);
}

/** The compiled module of `build`, or null where it cannot be read or this runtime cannot run it. */
function compiledModule(build: WasmKernelsBuild): WebAssembly.Module | null {
  if (!modules.has(build)) {
    const bytes = readBytes(build === 'fma' ? './kernels-fma.wasm' : './kernels.wasm');
    let module: WebAssembly.Module | null = null;
    if (bytes !== null && (build === 'simd128' || acceptsRelaxedSimd(bytes))) {
      try {
        module = new WebAssembly.Module(bytes);
      } catch {
        module = null;
      }
    }
    modules.set(build, module);
  }
  return modules.get(build)!;
}

/** The build the kernels would run with now: the FMA one when wanted and accepted, else SIMD128 (null if neither loads). */
export function wasmKernelsBuild(): WasmKernelsBuild | null {
  if (fmaWanted && compiledModule('fma') !== null) return 'fma';
  return compiledModule('simd128') !== null ? 'simd128' : null;
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
  const build = memory && wasmKernelsBuild();
  const module = build && compiledModule(build);
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
