import type { KernelFunc } from '@tensorflow/tfjs';

const replaced = new Map<string, KernelFunc>();

/** Records the stock wasm kernel `kernelName` before it gets replaced (first one wins). */
export function rememberStockKernel(kernelName: string, kernelFunc: KernelFunc): void {
  if (!replaced.has(kernelName)) replaced.set(kernelName, kernelFunc);
}

/** The stock wasm implementation of `kernelName`, which our replacement falls back to. */
export function stockWasmKernel(kernelName: string): KernelFunc {
  const kernelFunc = replaced.get(kernelName);
  if (kernelFunc === undefined) {
    throw new Error(`wasm-gradients: no stock wasm kernel '${kernelName}' was recorded; call registerWasmGradientKernels() after importing @tensorflow/tfjs-backend-wasm`);
  }
  return kernelFunc;
}
