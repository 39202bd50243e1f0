/** One line of a chart: its label and one value per x (null: no value there). */
export interface Series {
  readonly label: string;
  readonly values: readonly (number | null)[];
  /** Dashed line (e.g. the raw values under a smoothed curve). */
  readonly dash?: boolean;
  /** Points without a line between them (values known only at those xs, e.g. the lr at each epoch's end). */
  readonly pointsOnly?: boolean;
}

/** What the page draws with uPlot: a shared x axis and its series. */
export interface ChartSpec {
  /** Element id suffix (`chart-<id>`) and key in window.tricksterCharts. */
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly x: readonly number[];
  readonly series: readonly Series[];
}

/**
 * Exponential moving average with TensorBoard's debiasing (the first values are not pulled
 * towards 0): s_t = w·s_{t−1} + (1−w)·v_t, reported as s_t / (1 − w^t).
 */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  let s = 0;
  return values.map((v, i) => {
    s = weight * s + (1 - weight) * v;
    return s / (1 - weight ** (i + 1));
  });
}

/** Curves with x values of their own on one x axis: the sorted union of the xs, each curve null where it has no value. */
export function alignOnX(curves: readonly { label: string; x: readonly number[]; y: readonly (number | null)[] }[]): { x: number[]; series: Series[] } {
  const x = [...new Set(curves.flatMap((c) => c.x))].sort((a, b) => a - b);
  const at = new Map(x.map((v, i) => [v, i]));
  const series = curves.map((c) => {
    const values = new Array<number | null>(x.length).fill(null);
    c.x.forEach((xv, i) => (values[at.get(xv)!] = c.y[i] ?? null));
    return { label: c.label, values };
  });
  return { x, series };
}
