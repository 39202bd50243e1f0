import type { TricksterConfig } from '../config/schema.js';
import { didYouMean } from '../config/suggest.js';
import { UsageError } from '../errors.js';
import { recipeTricks, type Trick } from './tricks.js';
import type { Variant } from './variant.js';

/** Which ablation variants to make beside the full recipe and the base: leave-one-out, add-one-in or both. */
export type AblationMode = 'loo' | 'add' | 'both';

/** The choice of tricks: all of the recipe's, or those named by --only, minus --skip. */
export interface TrickChoice {
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
}

function checkNames(flag: string, names: readonly string[], known: readonly string[]): void {
  for (const name of names) {
    if (!known.includes(name)) {
      throw new UsageError(`${flag} ${name}: the recipe has no trick "${name}".${didYouMean(name, known)} Its tricks: ${known.join(', ')}`);
    }
  }
}

/** The recipe's tricks that `choice` selects; a name that is not one of them is a USAGE error with a did-you-mean. */
export function chooseTricks(full: TricksterConfig, choice: TrickChoice): Trick[] {
  const tricks = recipeTricks(full);
  const known = tricks.map((t) => t.id);
  if (known.length === 0) throw new UsageError('the recipe has no tricks to ablate (no plugin, warmup, cosine decay, augmentation or model tweak is on); ablate a preset such as bag-of-tricks');
  checkNames('--only', choice.only ?? [], known);
  checkNames('--skip', choice.skip ?? [], known);
  const chosen = tricks.filter((t) => (!choice.only?.length || choice.only.includes(t.id)) && !choice.skip?.includes(t.id));
  if (chosen.length === 0) throw new UsageError(`--only/--skip leave no trick to ablate; the recipe's tricks: ${known.join(', ')}`);
  return chosen;
}

/**
 * The variants of an ablation of `full` over `tricks`: the full recipe, the base (every chosen
 * trick off), and per trick the recipe without it (`-id`, compared with full) and/or the base with
 * it (`+id`, compared with base).
 */
export function planAblation(full: TricksterConfig, tricks: readonly Trick[], mode: AblationMode): Variant[] {
  const base = tricks.reduce((c, t) => t.off(c), full);
  const variants: Variant[] = [
    { name: 'full', reference: null, config: full },
    { name: 'base', reference: 'full', config: base },
  ];
  if (mode !== 'add') for (const t of tricks) variants.push({ name: `-${t.id}`, reference: 'full', config: t.off(full) });
  if (mode !== 'loo') for (const t of tricks) variants.push({ name: `+${t.id}`, reference: 'base', config: t.restore(base, full) });
  return variants;
}
