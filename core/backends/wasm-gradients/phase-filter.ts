import type { TensorInfo } from '@tensorflow/tfjs';
import type { ConvGeometry } from './geometry.js';
import type { KernelScope } from './kernel-scope.js';
import { reshape } from './layout.js';

/**
 * Phase decomposition of a transposed convolution along one spatial axis.
 *
 * Forward: y[i] = sum_a x[i*s + a*d - pad] * w[a]. Its input gradient at
 * x-position h = q*s + p (phase p in [0,s)) is sum_a dy[q + off] * w[a] over
 * the taps a with (p + pad - a*d) divisible by s, where off = (p + pad - a*d)/s.
 * For every phase that is a stride-1 correlation of dy, so all s phases fit in
 * one stride-1 conv whose window covers all offsets.
 */
export interface PhaseAxis {
  /** taps[p][u]: filter tap read by phase p at window position u, or -1 (zero). */
  taps: number[][];
  /** Window length of the combined stride-1 conv. */
  size: number;
  /** Dilation of the combined conv (d when s == 1, else 1). */
  dilation: number;
  /** Leading zero padding of dy for the combined conv (negative = crop). */
  padBefore: number;
  /** Phase length: ceil(inputLength / s). */
  phaseLength: number;
}

/** Builds the PhaseAxis for filter length k, stride s, dilation d, leading pad. */
function phaseAxis(k: number, s: number, d: number, pad: number, inputLength: number): PhaseAxis {
  const dilation = s === 1 ? d : 1;
  const entries: Array<{ p: number; a: number; off: number }> = [];
  for (let p = 0; p < s; p++) {
    for (let a = 0; a < k; a++) {
      const e = p + pad - a * d;
      if (((e % s) + s) % s === 0) entries.push({ p, a, off: e / s });
    }
  }
  const offMin = Math.min(...entries.map((t) => t.off));
  const offMax = Math.max(...entries.map((t) => t.off));
  const size = (offMax - offMin) / dilation + 1;
  const taps = Array.from({ length: s }, () => new Array<number>(size).fill(-1));
  for (const { p, a, off } of entries) taps[p][(off - offMin) / dilation] = a;
  return { taps, size, dilation, padBefore: -offMin, phaseLength: Math.ceil(inputLength / s) };
}

/** Row/column phase plans of an input-gradient computation. */
export interface PhasePlan {
  rows: PhaseAxis;
  cols: PhaseAxis;
}

/** Plans the phase decomposition for a forward conv geometry. */
export function phasePlan(g: ConvGeometry): PhasePlan {
  return {
    rows: phaseAxis(g.filterHeight, g.strideHeight, g.dilationHeight, g.pads.top, g.inHeight),
    cols: phaseAxis(g.filterWidth, g.strideWidth, g.dilationWidth, g.pads.left, g.inWidth),
  };
}

/**
 * Gathers the taps of `filter` ([kh,kw,...rest]) into the combined phase
 * filter laid out as [size_h*size_w, s_h*s_w, prod(rest)], row-major in
 * (u, v) and (p_h, p_w); taps no phase uses read an appended zero row.
 */
export function gatherPhaseTaps(scope: KernelScope, filter: TensorInfo, plan: PhasePlan): TensorInfo {
  const [kh, kw, ...rest] = filter.shape;
  const inner = rest.reduce((n, v) => n * v, 1);
  const zeroRow = kh * kw;
  const index: number[] = [];
  for (let u = 0; u < plan.rows.size; u++) {
    for (let v = 0; v < plan.cols.size; v++) {
      for (const rowTaps of plan.rows.taps) {
        for (const colTaps of plan.cols.taps) {
          const a = rowTaps[u];
          const b = colTaps[v];
          index.push(a < 0 || b < 0 ? zeroRow : a * kw + b);
        }
      }
    }
  }
  const flat = reshape(scope, filter, [kh * kw, inner]);
  const padded = scope.run('PadV2', { x: flat }, { paddings: [[0, 1], [0, 0]], constantValue: 0 });
  const gathered = scope.run('GatherV2', { x: padded, indices: scope.constant(index, [index.length], 'int32') }, { axis: 0, batchDims: 0 });
  const phases = plan.rows.taps.length * plan.cols.taps.length;
  return reshape(scope, gathered, [plan.rows.size * plan.cols.size, phases, inner]);
}

/** Trailing padding of dy so the combined conv emits exactly phaseLength outputs. */
function phasePadAfter(axis: PhaseAxis, dyLength: number): number {
  return axis.phaseLength - dyLength - axis.padBefore + (axis.size - 1) * axis.dilation;
}

/** Padding of dy for the combined stride-1 conv of `plan` (`g`: the forward conv whose input gradient it computes). */
export function phaseConvPads(plan: PhasePlan, g: ConvGeometry): { top: number; bottom: number; left: number; right: number } {
  return {
    top: plan.rows.padBefore,
    bottom: phasePadAfter(plan.rows, g.outHeight),
    left: plan.cols.padBefore,
    right: phasePadAfter(plan.cols, g.outWidth),
  };
}
