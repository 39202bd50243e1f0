import type { TricksterConfig } from '../config/schema.js';

/**
 * One trick of a recipe and what switching it off means. `off` and `restore` return a new config
 * and touch only the trick's own keys, so tricks switch off and back on in any order.
 */
export interface Trick {
  /** Stable name used by --only/--skip and in variant names: a plugin's name, or `schedule.*`, `augment.*`, `model.*`. */
  readonly id: string;
  /** What "off" does, for tables and --help. */
  readonly offMeans: string;
  off(config: TricksterConfig): TricksterConfig;
  /** `config` with the trick as the `full` recipe has it. */
  restore(config: TricksterConfig, full: TricksterConfig): TricksterConfig;
}

/** The decay a cosine or linear schedule falls back to when it is switched off: step decay ×0.1 at 50% and 75% of training (He et al.; the baseline preset's). */
export const STEP_DECAY = { name: 'multistep', fractions: [0.5, 0.75], gamma: 0.1 } as const;

/** Schedules whose shape is a trick (the others are the plain decays a recipe starts from). */
const TRICK_SCHEDULES = ['cosine', 'cosine-restarts', 'linear'];

/** Augmentations whose "off" is `false`, in the order the data pipeline applies them. */
const AUGMENTATIONS = ['randomResizedCrop', 'flip', 'crop', 'randAugment', 'autoAugment', 'colorJitter', 'grayscale', 'gaussianBlur'] as const;

const clone = (c: TricksterConfig): TricksterConfig => structuredClone(c);

function pluginTrick(name: string): Trick {
  return {
    id: name,
    offMeans: `plugins.${name}: false`,
    off: (c) => ({ ...clone(c), plugins: { ...c.plugins, [name]: false } }),
    restore: (c, full) => ({ ...clone(c), plugins: { ...c.plugins, [name]: structuredClone(full.plugins[name]) } }),
  };
}

function scheduleKeyTrick(key: 'warmup' | 'scaleRule', offMeans: string, offValue: unknown): Trick {
  return {
    id: `schedule.${key}`,
    offMeans,
    off: (c) => {
      const schedule = { ...c.schedule } as Record<string, unknown>;
      if (offValue === undefined) delete schedule[key];
      else schedule[key] = offValue;
      return { ...clone(c), schedule: schedule as TricksterConfig['schedule'] };
    },
    restore: (c, full) => ({ ...clone(c), schedule: { ...c.schedule, [key]: structuredClone(full.schedule[key]) } }),
  };
}

/** The decay part of a schedule section: everything but warmup and scaleRule. */
function decayOf(schedule: TricksterConfig['schedule']): Record<string, unknown> {
  const { warmup: _w, scaleRule: _s, ...decay } = schedule as Record<string, unknown>;
  return decay;
}

function withDecay(c: TricksterConfig, decay: Record<string, unknown>): TricksterConfig {
  const { warmup, scaleRule } = c.schedule as Record<string, unknown>;
  const kept = Object.fromEntries(Object.entries({ warmup, scaleRule }).filter(([, v]) => v !== undefined));
  return { ...clone(c), schedule: { ...structuredClone(decay), ...kept } as TricksterConfig['schedule'] };
}

function scheduleShapeTrick(name: string): Trick {
  return {
    id: `schedule.${name}`,
    offMeans: 'schedule: multistep ×0.1 at 50% and 75% of training (warmup and scaleRule kept as they are)',
    off: (c) => withDecay(c, { ...STEP_DECAY, fractions: [...STEP_DECAY.fractions] }),
    restore: (c, full) => withDecay(c, decayOf(full.schedule)),
  };
}

function augmentTrick(key: (typeof AUGMENTATIONS)[number]): Trick {
  return {
    id: `augment.${key}`,
    offMeans: `data.augment.${key}: false`,
    off: (c) => ({ ...clone(c), data: { ...c.data, augment: { ...c.data.augment, [key]: false } } }),
    restore: (c, full) => ({ ...clone(c), data: { ...c.data, augment: { ...c.data.augment, [key]: structuredClone(full.data.augment[key]) } } }),
  };
}

function modelTrick(key: 'zeroGamma' | 'variant', offMeans: string, offValue: boolean | 'a'): Trick {
  return {
    id: `model.${key}`,
    offMeans,
    off: (c) => ({ ...clone(c), model: { ...c.model, [key]: offValue } }),
    restore: (c, full) => ({ ...clone(c), model: { ...c.model, [key]: full.model[key] } }),
  };
}

/**
 * The tricks a resolved recipe has on, in a fixed order: each enabled plugin; a linear-scaling
 * rule, a warmup and a cosine-family or linear decay in the schedule; each augmentation that is on; model
 * zero-gamma and a ResNet-B/C/D variant. The plain parts of a recipe (model, optimizer, a step,
 * multistep, exponential, 1/t or constant decay, batch size, epochs) are not tricks.
 */
export function recipeTricks(config: TricksterConfig): Trick[] {
  const tricks: Trick[] = [];
  for (const [name, options] of Object.entries(config.plugins)) if (options !== false) tricks.push(pluginTrick(name));
  const schedule = config.schedule as Record<string, unknown>;
  if (schedule.scaleRule === 'linear') tricks.push(scheduleKeyTrick('scaleRule', 'schedule.scaleRule: none (the base learning rate as written)', 'none'));
  if (schedule.warmup !== undefined) tricks.push(scheduleKeyTrick('warmup', 'schedule.warmup removed (the decay starts at step 0)', undefined));
  if (TRICK_SCHEDULES.includes(config.schedule.name)) tricks.push(scheduleShapeTrick(config.schedule.name));
  for (const key of AUGMENTATIONS) {
    const value = config.data.augment[key];
    if (value !== undefined && value !== false) tricks.push(augmentTrick(key));
  }
  if (config.model.zeroGamma) tricks.push(modelTrick('zeroGamma', 'model.zeroGamma: false (batch-norm gammas start at 1)', false));
  if (config.model.variant !== undefined && config.model.variant !== 'a') tricks.push(modelTrick('variant', "model.variant: 'a' (the original ResNet block)", 'a'));
  return tricks;
}
