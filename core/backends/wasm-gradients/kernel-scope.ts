import { getKernel, type DataId, type DataType, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs';

/** The part of the wasm backend that the gradient kernels talk to directly. */
export interface WasmBackendLike {
  disposeData(dataId: DataId): boolean;
  write(values: Int32Array | Float32Array, shape: number[], dtype: DataType): DataId;
}

/**
 * Runs registered `wasm` kernels by name from inside another kernel and remembers
 * every TensorInfo they produce, so that all intermediates can be freed in one go.
 */
export class KernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(readonly backend: WasmBackendLike) {}

  /**
   * Calls the registered `wasm` kernel `kernelName` (ours where we replaced
   * one, whose fallbacks call the stock kernel) and tracks its single output.
   */
  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = getKernel(kernelName, 'wasm');
    if (kernel === undefined) {
      throw new Error(`wasm-gradients: kernel '${kernelName}' is not registered for the wasm backend`);
    }
    const out = kernel.kernelFunc({ inputs, backend: this.backend, attrs });
    if (Array.isArray(out)) {
      throw new Error(`wasm-gradients: kernel '${kernelName}' returned ${out.length} outputs, expected one`);
    }
    this.temps.push(out);
    return out;
  }

  /** Uploads a small constant (e.g. a gather index table) and tracks it. */
  constant(values: readonly number[], shape: number[], dtype: 'int32' | 'float32'): TensorInfo {
    const data = dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
    const info: TensorInfo = { dataId: this.backend.write(data, shape, dtype), shape, dtype };
    this.temps.push(info);
    return info;
  }

  /** Frees every tracked TensorInfo except `keep` (pass null to free all). */
  release(keep: TensorInfo | null): void {
    for (const info of this.temps) {
      if (info !== keep) this.backend.disposeData(info.dataId);
    }
    this.temps.length = 0;
  }
}

/**
 * Runs `body` with a fresh KernelScope; afterwards frees all intermediates but
 * the returned TensorInfo (everything on error).
 */
export function withKernelScope(backend: unknown, body: (scope: KernelScope) => TensorInfo): TensorInfo {
  const scope = new KernelScope(backend as WasmBackendLike);
  let result: TensorInfo | null = null;
  try {
    result = body(scope);
    return result;
  } finally {
    scope.release(result);
  }
}
