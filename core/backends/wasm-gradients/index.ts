import '@tensorflow/tfjs-backend-wasm';
import { getKernel, registerGradient, registerKernel, unregisterKernel, type KernelFunc } from '@tensorflow/tfjs';
import { avgPoolGrad } from './avg-pool-grad.js';
import { batchMatMul } from './batch-mat-mul.js';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2dBackpropInput } from './conv2d-backprop-input.js';
import { conv2dForward } from './conv2d-forward.js';
import { depthwiseConv2dBackpropFilter } from './depthwise-backprop-filter.js';
import { depthwiseConv2dBackpropInput } from './depthwise-backprop-input.js';
import { fusedBatchNorm } from './fused-batch-norm.js';
import { identity } from './identity.js';
import { maxPoolGrad } from './max-pool-grad.js';
import { max, mean, sum } from './reduce.js';
import { rememberStockKernel } from './stock-kernels.js';
import { tile } from './tile.js';
import { BATCH_NORM_GRAD, batchNormGradKernel } from '../wasm-simd/batch-norm-grad.js';
import { MOMENTS, momentsKernel } from '../wasm-simd/batch-norm-forward.js';
import { RELU_GRAD, reluGradConfig, reluGradKernel } from '../wasm-simd/relu-grad.js';

/** trickster's wasm training kernels, by the kernel name each registers under. */
export const WASM_GRADIENT_KERNELS: ReadonlyArray<readonly [string, KernelFunc]> = [
  ['Conv2D', conv2dForward],
  ['Conv2DBackpropFilter', conv2dBackpropFilter],
  ['Conv2DBackpropInput', conv2dBackpropInput],
  ['DepthwiseConv2dNativeBackpropFilter', depthwiseConv2dBackpropFilter],
  ['DepthwiseConv2dNativeBackpropInput', depthwiseConv2dBackpropInput],
  ['MaxPoolGrad', maxPoolGrad],
  ['AvgPoolGrad', avgPoolGrad],
  ['Tile', tile],
  ['BatchMatMul', batchMatMul],
  ['Sum', sum],
  ['Mean', mean],
  ['Max', max],
  ['Identity', identity],
  ['FusedBatchNorm', fusedBatchNorm],
  [BATCH_NORM_GRAD, batchNormGradKernel],
  [MOMENTS, momentsKernel],
  [RELU_GRAD, reluGradKernel],
];

/**
 * Registers the fast training kernels for the `wasm` backend (Conv2D, conv and
 * depthwise-conv gradients, MaxPoolGrad, AvgPoolGrad, Tile, transposed BatchMatMul,
 * Sum/Mean/Max over leading axes, zero-copy Identity, per-channel FusedBatchNorm) and the fused
 * batch-norm moments, batch-norm gradient and ReLU gradient of ../wasm-simd (the Relu gradient
 * is re-registered for every backend: it runs the SIMD kernel on wasm and tfjs' composition elsewhere),
 * replacing the stock ones where they exist. Safe to call repeatedly.
 */
export function registerWasmGradientKernels(): void {
  registerGradient(reluGradConfig);
  for (const [kernelName, kernelFunc] of WASM_GRADIENT_KERNELS) {
    const current = getKernel(kernelName, 'wasm');
    if (current?.kernelFunc === kernelFunc) continue;
    if (current !== undefined) {
      rememberStockKernel(kernelName, current.kernelFunc);
      unregisterKernel(kernelName, 'wasm');
    }
    // Keep the stock setup/dispose hooks: the stock kernelFunc, still used as a
    // fallback, needs its setupFunc to run when the wasm backend initialises.
    registerKernel({ kernelName, backendName: 'wasm', kernelFunc, setupFunc: current?.setupFunc, disposeFunc: current?.disposeFunc });
  }
}
