import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/**
 * Identity without a copy: the output shares the input's buffer and bumps its reference count,
 * as the wasm backend's own Reshape does (kernels never write into their inputs, so sharing is
 * safe). The stock wasm Identity copies the whole tensor, and autodiff calls it for every
 * pass-through gradient (clone, Cast to the same dtype).
 */
export const identity: KernelFunc = ({ inputs, backend }) => {
  const x = inputs['x'] as TensorInfo;
  (backend as unknown as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};
