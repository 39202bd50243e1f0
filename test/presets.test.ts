import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../core/config/load.js';
import { builtinPresetNames } from '../core/config/presets.js';
import { canonicalSettings } from './plugins/canonical-settings.js';
import { runClaims, trainTeacher } from './helpers/contract-run.js';

/** The plugins each built-in preset turns on (lr-schedule, from the schedule section, in all). */
const presetPlugins: Record<string, string[]> = {
  'bag-of-tricks': ['ema', 'label-smoothing', 'lr-schedule', 'mixup-cutmix', 'no-bias-decay'],
  baseline: ['lr-schedule'],
  distillation: ['distillation', 'lr-schedule'],
  fixres: ['fixres', 'lr-schedule'],
  'large-batch-lars': ['larc', 'lr-schedule'],
  plateau: ['early-stopping', 'lr-schedule', 'reduce-lr-on-plateau'],
  'resnet6-2h': ['label-smoothing', 'lr-schedule', 'no-bias-decay'],
  'resnet6-30m': ['label-smoothing', 'lr-schedule', 'no-bias-decay'],
  swa: ['lr-schedule', 'swa'],
};

/**
 * Every built-in preset as shipped (its own options and rates), cut to a Fashion-MNIST subset and
 * 2 epochs on one replica: the plugins it turns on are the ones the trainer runs, and each one's
 * contract claim holds (test/helpers/contract-claims-*.ts), whether or not 2 epochs give it
 * occasion to act (a plateau preset may not cut its rate in 2 epochs).
 */
describe('presets', () => {
  let teacher = '';
  beforeAll(async () => {
    teacher = await trainTeacher();
  });

  it('ships the presets the design names', () => {
    expect(builtinPresetNames()).toEqual(Object.keys(presetPlugins));
  });

  // The fast-recipe presets are the configs of the measured runs (bench/fast-recipe/README.md) with their budgets.
  const measuredRuns = [
    { preset: 'resnet6-30m', config: 'bench/fast-recipe/final-resnet6-pool-stem-w1-lr0.2.yaml', timeBudget: '30m' },
    { preset: 'resnet6-2h', config: 'bench/fast-recipe/two-hour-resnet6-pool-stem-w1.25-lr0.2.yaml', timeBudget: '2h' },
  ];
  for (const run of measuredRuns) {
    it(`${run.preset} is the recipe of the measured runs, with their --time-budget ${run.timeBudget}`, async () => {
      const { config: preset } = await resolveConfig({ preset: run.preset });
      const measured = await resolveConfig({ configFile: path.resolve(run.config), overrides: { training: { timeBudget: run.timeBudget } } });
      const { description: _p, ...presetRest } = preset;
      const { description: _m, ...measuredRest } = measured.config;
      expect(presetRest).toEqual(measuredRest);
    });
  }

  for (const name of builtinPresetNames()) {
    it(`${name}: its plugins run and keep their claims`, async () => {
      const largeBatch = name === 'large-batch-lars';
      const config: Record<string, unknown> = {
        extends: name,
        data: { limit: largeBatch ? 1024 : 256, testLimit: 64 },
        training: { epochs: 2, replicas: 1, ...(largeBatch ? {} : { batchSize: 32 }) },
      };
      if (name === 'distillation') config.plugins = { distillation: { teacher } };
      const expected = presetPlugins[name]!;
      const claims = Object.fromEntries(expected.map((p) => [p, canonicalSettings[p]!.claim]));
      const { summary, active } = await runClaims(config, claims, { requireEffect: false });
      expect(active.filter((p) => !p.startsWith('contract-') && p !== 'progress').sort()).toEqual(expected);
      expect(summary.preset).toBe(name);
      if (name === 'distillation') expect(summary.plugins.distillation?.teacher).toBe(path.resolve(teacher));
    });
  }
});
