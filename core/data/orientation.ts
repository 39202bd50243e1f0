import type { TricksterConfig } from '../config/schema.js';
import { namedDataset } from './datasets/catalog.js';
import { idxDatasetName } from './idx.js';
import { detectFormat } from './locate.js';

/** Whether the dataset in `dir` is one whose images change meaning when mirrored (digits: MNIST). */
export function isOrientationSensitive(dir: string): boolean {
  return detectFormat(dir) === 'idx' && namedDataset(idxDatasetName(dir))?.orientationSensitive === true;
}

/**
 * The config with the horizontal flip off when the dataset is orientation-sensitive and the flip
 * comes from a preset rather than the user's own config (`userSetsFlip`), and a note saying so;
 * otherwise the config unchanged and no note.
 */
export function withoutPresetFlip(config: TricksterConfig, dir: string, userSetsFlip: boolean): { config: TricksterConfig; note: string | null } {
  if (!config.data.augment.flip || userSetsFlip || !isOrientationSensitive(dir)) return { config, note: null };
  const note = `trickster: no horizontal flip: ${dir} holds digits (MNIST), which mirroring changes; the preset's data.augment.flip is off (set it in your config to flip anyway)`;
  return { config: { ...config, data: { ...config.data, augment: { ...config.data.augment, flip: false } } }, note };
}

/** One line naming the augmentations a run trains with, e.g. `augmentations: flip, crop {"padding":2}`. */
export function augmentationsLine(config: TricksterConfig): string {
  const on = Object.entries(config.data.augment)
    .filter(([, v]) => v !== false && v !== undefined)
    .map(([k, v]) => (v === true ? k : `${k} ${JSON.stringify(v)}`));
  return `trickster: augmentations: ${on.length ? on.join(', ') : 'none'}`;
}
