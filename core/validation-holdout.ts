import type { TricksterConfig } from './config/schema.js';

/** Fraction of the training set held out as a validation split when a plugin needs one and the config has none. */
export const DEFAULT_VALIDATION_FRACTION = 0.1;

/**
 * The config a run trains with: when plugins act on evaluation metrics (`users`) and the config
 * has no validation split, DEFAULT_VALIDATION_FRACTION of the training set is held out, so no
 * plugin ever selects on the test split. Returns the config and the line that says so (or null).
 */
export function withValidationHoldout(config: TricksterConfig, users: readonly string[]): { config: TricksterConfig; note: string | null } {
  if (users.length === 0 || config.data.validationSplit > 0) return { config, note: null };
  const fraction = DEFAULT_VALIDATION_FRACTION;
  const note =
    `validation: ${users.join(', ')} act${users.length === 1 ? 's' : ''} on evaluation metrics and the config has no validation split; ` +
    `holding out ${100 * fraction}% of the training set (stratified by class, seed ${config.training.seed}) as data.validationSplit ${fraction}; ` +
    'set data.validationSplit to choose the fraction. The test split is evaluated once, at the end.';
  return { config: { ...config, data: { ...config.data, validationSplit: fraction } }, note };
}
