import '@tensorflow/tfjs-backend-wasm';
import { getKernel, registerKernel, unregisterKernel, type KernelFunc } from '@tensorflow/tfjs';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2dBackpropInput } from './conv2d-backprop-input.js';
import { depthwiseConv2dBackpropFilter } from './depthwise-backprop-filter.js';
import { depthwiseConv2dBackpropInput } from './depthwise-backprop-input.js';

const KERNELS: ReadonlyArray<readonly [string, KernelFunc]> = [
  ['Conv2DBackpropFilter', conv2dBackpropFilter],
  ['Conv2DBackpropInput', conv2dBackpropInput],
  ['DepthwiseConv2dNativeBackpropFilter', depthwiseConv2dBackpropFilter],
  ['DepthwiseConv2dNativeBackpropInput', depthwiseConv2dBackpropInput],
];

/**
 * Registers the XNNPACK-backed convolution gradient kernels for the `wasm`
 * backend, replacing stock ones where they exist. Safe to call repeatedly.
 */
export function registerWasmGradientKernels(): void {
  for (const [kernelName, kernelFunc] of KERNELS) {
    const current = getKernel(kernelName, 'wasm');
    if (current?.kernelFunc === kernelFunc) continue;
    if (current !== undefined) unregisterKernel(kernelName, 'wasm');
    registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
}
