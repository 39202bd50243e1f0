import * as tf from '@tensorflow/tfjs';
import { WASM_GRADIENT_KERNELS } from '../../core/backends/wasm-gradients/index.js';

const TRICKSTER_KERNELS = new Set(WASM_GRADIENT_KERNELS.map(([, kernelFunc]) => kernelFunc));

/** Every `backend/kernel` in the kernel registry whose function is one of trickster's wasm kernels. */
export function registeredTricksterKernels(): string[] {
  const backends = Object.keys((tf.engine() as unknown as { registryFactory: Record<string, unknown> }).registryFactory);
  return backends.flatMap((backend) =>
    tf.getKernelsForBackend(backend).filter((k) => TRICKSTER_KERNELS.has(k.kernelFunc)).map((k) => `${backend}/${k.kernelName}`),
  );
}
