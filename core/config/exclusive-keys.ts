/**
 * Keys of one config section that are alternatives to each other: a section gives at most one of
 * them, so when a child layer (a config that `extends` another, or CLI overrides) sets one, the
 * parent's others are dropped instead of merged in (core/config/merge.ts). Every either/or pair
 * of the config schema and the built-in plugins' option schemas is listed here; sections are
 * dotted key paths from the config root.
 *
 * Other choices need no entry: a section whose `name` changes (optimizer, schedule) is replaced
 * whole, and a key that takes `false` or an object (data.augment.crop and the other augmentations)
 * is one key, replaced by a child's scalar.
 */
export const EXCLUSIVE_KEYS: readonly { readonly section: string; readonly keys: readonly string[]; readonly why: string }[] = [
  {
    section: 'schedule',
    keys: ['milestones', 'fractions'],
    why: 'multistep decays at milestones given in epochs or as fractions of the run, not both',
  },
  {
    section: 'training',
    keys: ['epochs', 'timeBudget'],
    why: 'a run lasts a number of epochs or the epochs that fit a time budget: `--epochs 3` on a config with a budget trains 3',
  },
];

/** The keys of `section` a child that sets `childKeys` replaces: the other alternatives of its groups. */
export function replacedAlternatives(section: string, childKeys: readonly string[]): string[] {
  return EXCLUSIVE_KEYS.filter((g) => g.section === section && g.keys.some((k) => childKeys.includes(k))).flatMap((g) =>
    g.keys.filter((k) => !childKeys.includes(k)),
  );
}
