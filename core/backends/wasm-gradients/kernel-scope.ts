import { getKernel, type DataId, type DataType, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs';

/** The part of the wasm backend that the gradient kernels talk to directly. */
export interface WasmBackendLike {
  disposeData(dataId: DataId): boolean;
  write(values: Int32Array | Float32Array, shape: number[], dtype: DataType): DataId;
}

/**
 * Runs stock `wasm` kernels by name from inside another kernel and remembers
 * every TensorInfo they produce, so that all intermediates can be freed in one go.
 */
export class KernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(readonly backend: WasmBackendLike) {}

  /** Calls the `wasm` kernel `kernelName` and tracks its single output. */
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

  /** Uploads a small int32 constant (e.g. a gather index table) and tracks it. */
  int32(values: readonly number[]): TensorInfo {
    const shape = [values.length];
    const info: TensorInfo = { dataId: this.backend.write(Int32Array.from(values), shape, 'int32'), shape, dtype: 'int32' };
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
