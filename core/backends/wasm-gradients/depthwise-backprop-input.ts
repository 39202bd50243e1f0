import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { convGeometry, type ConvAttrs } from './geometry.js';
import { withKernelScope } from './kernel-scope.js';
import { reshape, transpose } from './layout.js';
import { convForward } from './padded-conv.js';
import { gatherPhaseTaps, phaseConvPads, phasePlan } from './phase-filter.js';
import { assemblePhases } from './phase-output.js';

/**
 * DepthwiseConv2dNativeBackpropInput for wasm. Same phase decomposition as
 * the dense input gradient, run as ONE XNNPACK depthwise conv of dy
 * (C*mult channels) with a gathered [Uh,Uw,C*mult,sh*sw] filter; the
 * channel-multiplier axis is then summed away and the phases interleaved.
 */
export const depthwiseConv2dBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const a = attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
  const g = convGeometry('DepthwiseConv2dNativeBackpropInput', a.inputShape, filter.shape, a, true);
  const [, , channels, multiplier] = filter.shape;
  const plan = phasePlan(g);
  const phases = plan.rows.taps.length * plan.cols.taps.length;
  const pixels = g.batch * plan.rows.phaseLength * plan.cols.phaseLength;
  return withKernelScope(backend, (scope) => {
    const taps = gatherPhaseTaps(scope, filter, plan);
    const phaseFilter = reshape(scope, transpose(scope, taps, [0, 2, 1]), [plan.rows.size, plan.cols.size, channels * multiplier, phases]);
    const perChannel = convForward(scope, dy, phaseFilter, {
      strides: [1, 1],
      dilations: [plan.rows.dilation, plan.cols.dilation],
      pads: phaseConvPads(plan, g),
      depthwise: true,
    });
    // perChannel channel index is (c*mult + m)*phases + p; sum m, move p before c.
    let summed = reshape(scope, perChannel, phases > 1 ? [pixels, channels, multiplier, phases] : [pixels, channels, multiplier]);
    if (multiplier > 1) summed = scope.run('Sum', { x: summed }, { axis: [2], keepDims: false });
    const phaseMajor = phases > 1 ? transpose(scope, reshape(scope, summed, [pixels, channels, phases]), [0, 2, 1]) : summed;
    const phased = reshape(scope, phaseMajor, [g.batch, plan.rows.phaseLength, plan.cols.phaseLength, phases * channels]);
    return assemblePhases(scope, phased, [g.strideHeight, g.strideWidth], a.inputShape);
  });
};
