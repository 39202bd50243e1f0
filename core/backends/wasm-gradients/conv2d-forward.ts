import { util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { convGeometry, type ConvAttrs } from './geometry.js';
import { stockWasmKernel } from './stock-kernels.js';
import { simdConv2d, simdConvForwardEnabled } from '../wasm-simd/conv-forward.js';
import { wasmSimdKernels } from '../wasm-simd/instance.js';

/**
 * Input channels from which kernels.c's conv2d_forward beats XNNPACK (bench/conv-forward.ts, batch
 * 128: 0.69-0.94x XNNPACK's time on every layer of small-cnn, resnet20 and resnet8 with 16 or more
 * input channels; 1.5-1.65x on a 1-channel and 1.2x on a 3-channel first conv).
 */
export const SIMD_FORWARD_MIN_IN_CHANNELS = 16;

/**
 * Filter size (floats) up to which the SIMD forward conv and input gradient pay: they stream the
 * whole filter once per row of output, which costs more than it saves once the filter leaves L2
 * (3x3 256 → 256 at 4x4: 589,824 floats, 1.16x XNNPACK's time; the models' largest, 3x3 80 → 80, is 57,600).
 */
export const SIMD_CONV_MAX_FILTER_FLOATS = 131072;

/**
 * Conv2D for wasm: kernels.c's conv2d_forward (../wasm-simd/conv-forward.ts) where the SIMD kernels
 * are on, x and the filter are float32 NHWC, the input has at least SIMD_FORWARD_MIN_IN_CHANNELS
 * channels, the output a multiple of 4 and the filter at most SIMD_CONV_MAX_FILTER_FLOATS floats;
 * everywhere else the stock XNNPACK kernel (the results agree to the bit on the layers measured:
 * both add the taps in the same order).
 */
export const conv2dForward: KernelFunc = (args) => {
  const { inputs, backend } = args;
  const x = inputs.x as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const attrs = args.attrs as unknown as ConvAttrs;
  const fits = attrs.dataFormat !== 'NCHW' && x.dtype === 'float32' && filter.dtype === 'float32' && x.shape.length === 4 &&
    x.shape[3]! >= SIMD_FORWARD_MIN_IN_CHANNELS && filter.shape[3]! % 4 === 0 && util.sizeFromShape(filter.shape) <= SIMD_CONV_MAX_FILTER_FLOATS;
  const simd = fits && simdConvForwardEnabled() ? wasmSimdKernels(backend) : null;
  if (simd === null) return stockWasmKernel('Conv2D')(args);
  return simdConv2d(simd, x, filter, convGeometry('Conv2D', x.shape, filter.shape, attrs, false));
};
