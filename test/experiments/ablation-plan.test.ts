import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../core/config/load.js';
import type { TricksterConfig } from '../../core/config/schema.js';
import { chooseTricks, planAblation } from '../../core/experiments/ablation-plan.js';
import { recipeTricks } from '../../core/experiments/tricks.js';
import { expandTrials } from '../../core/experiments/trials.js';

const preset = async (name: string, overrides?: Record<string, unknown>) => (await resolveConfig({ preset: name, overrides })).config;
const byName = (variants: ReturnType<typeof planAblation>) => Object.fromEntries(variants.map((v) => [v.name, v.config]));
const run = { dataDir: null, backend: 'auto' };

describe('ablation planning', () => {
  it("bag-of-tricks' tricks: its four plugins, warmup, cosine, flip and crop", async () => {
    const full = await preset('bag-of-tricks');
    expect(recipeTricks(full).map((t) => t.id)).toEqual(['label-smoothing', 'mixup-cutmix', 'no-bias-decay', 'ema', 'schedule.warmup', 'schedule.cosine', 'augment.flip', 'augment.crop']);
    expect(recipeTricks(await preset('baseline')).map((t) => t.id)).toEqual(['augment.flip', 'augment.crop']);
  });

  it('an ablation of bag-of-tricks makes full, base and one leave-one-out per trick; --mode both adds one add-one-in per trick', async () => {
    const full = await preset('bag-of-tricks');
    const tricks = chooseTricks(full, {});
    expect(planAblation(full, tricks, 'loo').map((v) => `${v.name}<${v.reference}`)).toEqual([
      'full<null', 'base<full', '-label-smoothing<full', '-mixup-cutmix<full', '-no-bias-decay<full', '-ema<full',
      '-schedule.warmup<full', '-schedule.cosine<full', '-augment.flip<full', '-augment.crop<full',
    ]);
    const both = planAblation(full, tricks, 'both');
    expect(both).toHaveLength(2 + 2 * 8);
    expect(both.filter((v) => v.name.startsWith('+')).every((v) => v.reference === 'base')).toBe(true);
    const { trials } = expandTrials(planAblation(full, tricks, 'loo'), [1, 2, 3], run);
    expect(trials).toHaveLength(30);
  });

  it("the base of bag-of-tricks is the baseline preset's recipe without flip and crop: plugins false, step decay, no warmup", async () => {
    const full = await preset('bag-of-tricks');
    const base = byName(planAblation(full, chooseTricks(full, {}), 'loo')).base!;
    const baseline = await preset('baseline');
    expect(base.plugins).toEqual({ 'label-smoothing': false, 'mixup-cutmix': false, 'no-bias-decay': false, ema: false });
    expect(base.schedule).toEqual(baseline.schedule);
    expect(base.data.augment).toEqual({ ...baseline.data.augment, flip: false, crop: false });
    expect({ ...base, plugins: {}, data: baseline.data, description: baseline.description }).toEqual(baseline);
  });

  it('what off does to each schedule trick: cosine → multistep ×0.1 at 50%/75% keeping the warmup; warmup removed keeping cosine', async () => {
    const full = await preset('bag-of-tricks');
    const v = byName(planAblation(full, chooseTricks(full, {}), 'both'));
    expect(v['-schedule.cosine']!.schedule).toEqual({ name: 'multistep', fractions: [0.5, 0.75], gamma: 0.1, warmup: { epochs: 1, startFactor: 0.1 } });
    expect(v['-schedule.warmup']!.schedule).toEqual({ name: 'cosine', minFactor: 0 });
    expect(v['+schedule.cosine']!.schedule).toEqual({ name: 'cosine', minFactor: 0 });
    expect(v['+schedule.warmup']!.schedule).toEqual({ name: 'multistep', fractions: [0.5, 0.75], gamma: 0.1, warmup: { epochs: 1, startFactor: 0.1 } });
    expect(v['+ema']!.plugins.ema).toEqual(full.plugins.ema);
    expect(v['-ema']!.plugins).toEqual({ ...full.plugins, ema: false });
    const linear = await preset('bag-of-tricks', { schedule: { name: 'linear', minFactor: 0, warmup: { epochs: 1, startFactor: 0.1 } } });
    const off = recipeTricks(linear).find((t) => t.id === 'schedule.linear')!;
    expect(off.off(linear).schedule).toEqual({ name: 'multistep', fractions: [0.5, 0.75], gamma: 0.1, warmup: { epochs: 1, startFactor: 0.1 } });
    const lars = await preset('large-batch-lars');
    const scale = recipeTricks(lars).find((t) => t.id === 'schedule.scaleRule')!;
    expect((scale.off(lars).schedule as Record<string, unknown>).scaleRule).toBe('none');
  });

  it("what off does to augmentations and model tweaks: each augmentation false, zeroGamma false, variant 'a'", async () => {
    const full = await preset('baseline', { model: { name: 'resnet20', zeroGamma: true, variant: 'd' }, data: { augment: { randAugment: { n: 2, m: 9 } } } });
    const tricks = recipeTricks(full);
    expect(tricks.map((t) => t.id)).toEqual(['augment.flip', 'augment.crop', 'augment.randAugment', 'model.zeroGamma', 'model.variant']);
    const base = tricks.reduce((c, t) => t.off(c), full);
    expect(base.data.augment).toEqual({ flip: false, crop: false, randAugment: false });
    expect(base.model).toEqual({ ...full.model, zeroGamma: false, variant: 'a' });
    expect(full.model.zeroGamma).toBe(true);
  });

  it('--only and --skip choose tricks; an unknown name gets a did-you-mean and the list of the recipe\'s tricks', async () => {
    const full = await preset('bag-of-tricks');
    expect(chooseTricks(full, { only: ['ema', 'schedule.warmup'] }).map((t) => t.id)).toEqual(['ema', 'schedule.warmup']);
    expect(chooseTricks(full, { skip: ['augment.flip', 'augment.crop'] })).toHaveLength(6);
    expect(() => chooseTricks(full, { only: ['emma'] })).toThrow(/^--only emma: the recipe has no trick "emma"\. Did you mean "ema"\? Its tricks: label-smoothing, /);
    expect(() => chooseTricks(full, { only: ['ema'], skip: ['ema'] })).toThrow(/leave no trick to ablate/);
    const plain: TricksterConfig = { ...full, plugins: {}, schedule: { name: 'constant' }, data: { ...full.data, augment: { flip: false, crop: false } } };
    expect(() => chooseTricks(plain, {})).toThrow(/the recipe has no tricks to ablate/);
  });

  it('trials: ids hash config and seed (stable, key order irrelevant); variants with equal configs share trials', async () => {
    const full = await preset('bag-of-tricks');
    const variants = planAblation(full, chooseTricks(full, { only: ['ema'] }), 'loo');
    const { trials, byVariant } = expandTrials(variants, [1, 2], run);
    expect(trials.map((t) => t.id.replace(/-[0-9a-f]{10}$/, ''))).toEqual(['full-s1', 'full-s2', 'base-s1', 'base-s2']);
    expect(byVariant['-ema']).toEqual(byVariant.base);
    expect(trials[0]!.config.training.seed).toBe(1);
    const reordered = { ...variants[0]!, config: Object.fromEntries(Object.entries(full).reverse()) as TricksterConfig };
    expect(expandTrials([reordered], [1, 2], run).trials.map((t) => t.id)).toEqual(byVariant.full);
    expect(expandTrials([variants[0]!], [1], { ...run, dataDir: '/elsewhere' }).trials[0]!.id).not.toBe(byVariant.full![0]);
  });
});
