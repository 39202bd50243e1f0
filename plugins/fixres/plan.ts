/**
 * Which parts of a model FixRes fine-tunes (seed 002, Touvron et al. 2019): the classifier and
 * the last batch norm learn; everything else is frozen, and every other batch norm runs in
 * inference mode on its moving statistics. Pure: works on layer names and classes only.
 */

/** A layer as the plan sees it. */
export interface LayerRef {
  readonly name: string;
  readonly className: string;
}

/** What the FixRes fine-tuning touches. */
export interface FixResPlan {
  /** Layers whose weights stay trainable: the tuned batch norm (if any) and the classifier. */
  readonly trainable: readonly string[];
  /** The batch norm that runs in training mode (batch statistics, moving averages updated). */
  readonly tunedBatchNorm: string | undefined;
  /** Every other batch norm: inference mode, moving statistics used and left unchanged. */
  readonly frozenBatchNorms: readonly string[];
}

/** The plan for `layers` (in topological order) ending in the dense layer `classifier`. */
export function fixResPlan(layers: readonly LayerRef[], classifier: string): FixResPlan {
  const batchNorms = layers.filter((l) => l.className === 'BatchNormalization').map((l) => l.name);
  const tuned = batchNorms.at(-1);
  return {
    trainable: tuned === undefined ? [classifier] : [tuned, classifier],
    tunedBatchNorm: tuned,
    frozenBatchNorms: batchNorms.slice(0, -1),
  };
}

/** Whether the variable with stable name `layer/weight` (core/variables.ts) is fine-tuned by `plan`. */
export function isFixResTrainable(plan: FixResPlan, variableName: string): boolean {
  return plan.trainable.includes(variableName.slice(0, variableName.indexOf('/')));
}
