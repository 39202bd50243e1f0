/** Precision, recall and support of one class, from a confusion matrix. */
export interface ClassStats {
  readonly precision: number;
  readonly recall: number;
  /** Test images of this class. */
  readonly support: number;
  /** Test images predicted as this class. */
  readonly predicted: number;
}

/** A true class and the class it was most often taken for. */
export interface ConfusedPair {
  readonly actual: number;
  readonly predicted: number;
  readonly count: number;
  /** count / images of the actual class. */
  readonly share: number;
}

/** Per class of `confusion[true][predicted]`: precision (NaN when never predicted), recall (NaN when absent), support. */
export function classStats(confusion: readonly (readonly number[])[]): ClassStats[] {
  return confusion.map((row, c) => {
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((sum, r) => sum + r[c]!, 0);
    const hits = row[c]!;
    return { precision: predicted ? hits / predicted : NaN, recall: support ? hits / support : NaN, support, predicted };
  });
}

/** The `n` off-diagonal cells of `confusion` with the most images, most first (ties: lower class first). */
export function mostConfusedPairs(confusion: readonly (readonly number[])[], n: number): ConfusedPair[] {
  const pairs = confusion.flatMap((row, actual) => {
    const support = row.reduce((a, b) => a + b, 0);
    return row.flatMap((count, predicted) => (predicted !== actual && count > 0 ? [{ actual, predicted, count, share: count / support }] : []));
  });
  return pairs.sort((a, b) => b.count - a.count || a.actual - b.actual || a.predicted - b.predicted).slice(0, n);
}
