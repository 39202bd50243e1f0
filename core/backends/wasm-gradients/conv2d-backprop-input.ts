import { util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { convGeometry, type ConvAttrs } from './geometry.js';
import { withKernelScope } from './kernel-scope.js';
import { reshape, transpose } from './layout.js';
import { convForward } from './padded-conv.js';
import { gatherPhaseTaps, phaseConvPads, phasePlan } from './phase-filter.js';
import { assemblePhases } from './phase-output.js';
import { SIMD_CONV_MAX_FILTER_FLOATS } from './conv2d-forward.js';
import { simdConv2dBackpropInput, simdInputGradEnabled } from '../wasm-simd/conv-input-grad.js';
import { wasmSimdKernels } from '../wasm-simd/instance.js';

/**
 * Conv2DBackpropInput for wasm (replaces the stock nested-loop kernel). With trickster's SIMD kernels
 * on (float32) and a multiple of 4 input channels, kernels.c's conv2d_backprop_input computes it in
 * place (../wasm-simd/conv-input-grad.ts): 0.56-0.96x the XNNPACK forward conv's time on the layers
 * of small-cnn, resnet20 and resnet8 at batch 128, where the phase composition below took 1.46-3.92x
 * at stride 2 (at stride 1 the two are within noise: 0.66-0.87x against 0.70-0.81x, the composition's
 * one conv running on the SIMD forward; bench/conv-input-grad.ts, bench/results/2026-12-01-conv-input-grad.json).
 * Inputs with fewer or odd channels keep the composition: the kernel's scalar channel path made a
 * 3-channel RGB input 2.5x slower than it (a first conv's input gradient is never needed in training
 * anyway), and so do filters over SIMD_CONV_MAX_FILTER_FLOATS (3x3 256 → 256 at 4x4: 1.2x the forward).
 * Otherwise the gradient, a transposed convolution, is split into sh*sw stride phases
 * that all run as ONE stride-1 Conv2D of dy (XNNPACK, or the SIMD forward where it applies) with a gathered
 * [Uh,Uw,Cout,sh*sw*Cin] filter (flipped, in/out swapped, zero where a phase
 * has no tap), followed by a phase interleave. No zero-inserted dy is built.
 * Accepts an optional `dilations` attr (tfjs itself never passes one).
 */
export const conv2dBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const a = attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
  const g = convGeometry('Conv2DBackpropInput', a.inputShape, filter.shape, a, false);
  const simd = simdInputGradEnabled() ? wasmSimdKernels(backend) : null;
  if (simd !== null && g.inChannels % 4 === 0 && util.sizeFromShape(filter.shape) <= SIMD_CONV_MAX_FILTER_FLOATS && dy.dtype === 'float32' && filter.dtype === 'float32') return simdConv2dBackpropInput(simd, dy, filter, g);
  const [, , inChannels, outChannels] = filter.shape;
  const plan = phasePlan(g);
  const phases = plan.rows.taps.length * plan.cols.taps.length;
  return withKernelScope(backend, (scope) => {
    const taps = reshape(scope, gatherPhaseTaps(scope, filter, plan), [plan.rows.size * plan.cols.size, phases, inChannels, outChannels]);
    const phaseFilter = reshape(scope, transpose(scope, taps, [0, 3, 1, 2]), [plan.rows.size, plan.cols.size, outChannels, phases * inChannels]);
    const phased = convForward(scope, dy, phaseFilter, {
      strides: [1, 1],
      dilations: [plan.rows.dilation, plan.cols.dilation],
      pads: phaseConvPads(plan, g),
      depthwise: false,
    });
    return assemblePhases(scope, phased, [g.strideHeight, g.strideWidth], a.inputShape);
  });
};
