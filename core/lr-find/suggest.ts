/** One point of a range test: the rate of a step and the smoothed loss after it. */
export interface LrLossPoint {
  readonly lr: number;
  readonly loss: number;
}

/** A suggested learning rate, the rule that gave it and the curve point it sits at. */
export interface LrSuggestion {
  readonly rule: 'valley' | 'steep';
  readonly lr: number;
  /** Smoothed loss at that point. */
  readonly loss: number;
  /** Index of the point in the curve the rule was applied to. */
  readonly index: number;
}

/**
 * The part of a range-test curve the suggestions look at, as fastai's lr_find: the first tenth
 * of the planned steps (`plannedSteps / 10`, rounded down) and the last 5 points are dropped
 * (start-up noise and the blow-up), and the curve is cut at its first non-finite loss.
 */
export function suggestionWindow(points: readonly LrLossPoint[], plannedSteps: number): LrLossPoint[] {
  const trimmed = points.slice(Math.floor(plannedSteps / 10), Math.max(points.length - 5, 0));
  const bad = trimmed.findIndex((p) => !Number.isFinite(p.loss));
  return bad < 0 ? trimmed : trimmed.slice(0, bad);
}

/**
 * Steepest descent (fastai's `steep`): the rate at the left end of the segment where the smoothed
 * loss falls fastest against log(lr). (Lightning's default takes the steepest gradient against lr
 * itself.) Null with fewer than 2 points.
 */
export function steepSuggestion(points: readonly LrLossPoint[]): LrSuggestion | null {
  if (points.length < 2) return null;
  let best = 0;
  let bestSlope = Infinity;
  for (let i = 0; i + 1 < points.length; i++) {
    const slope = (points[i + 1]!.loss - points[i]!.loss) / (Math.log(points[i + 1]!.lr) - Math.log(points[i]!.lr));
    if (slope < bestSlope) {
      bestSlope = slope;
      best = i;
    }
  }
  return { rule: 'steep', lr: points[best]!.lr, loss: points[best]!.loss, index: best };
}

/**
 * The valley rule (fastai's `valley`, its default since 2.4): take the longest strictly
 * decreasing subsequence of the smoothed losses (not necessarily contiguous; ties keep the
 * first found), ending at index `end` with length `len`; with `start = end − len` and
 * `s = (end − start) / 3`, the suggestion is the point `start + ⌊s⌋ + ⌊s/2⌋` — about halfway
 * down the valley, a rate that still descends but well before the minimum. Null on an empty curve.
 */
export function valleySuggestion(points: readonly LrLossPoint[]): LrSuggestion | null {
  const n = points.length;
  if (n === 0) return null;
  const run = new Array<number>(n).fill(1);
  let end = 0;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (points[i]!.loss < points[j]!.loss && run[i]! < run[j]! + 1) run[i] = run[j]! + 1;
    }
    if (run[i]! > run[end]!) end = i;
  }
  const start = end - run[end]!;
  const s = (end - start) / 3;
  const index = Math.min(Math.max(start + Math.floor(s) + Math.floor(s / 2), 0), n - 1);
  return { rule: 'valley', lr: points[index]!.lr, loss: points[index]!.loss, index };
}
