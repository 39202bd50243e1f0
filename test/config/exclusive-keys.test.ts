import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../core/config/load.js';
import { mergeLayers } from '../../core/config/merge.js';
import { EXCLUSIVE_KEYS, replacedAlternatives } from '../../core/config/exclusive-keys.js';

describe('exclusive keys: a child that sets one alternative replaces the parent\'s others', () => {
  it('extends: baseline with multistep milestones resolves (baseline\'s fractions are not merged in)', async () => {
    const { config } = await resolveConfig({ inline: { extends: 'baseline', schedule: { name: 'multistep', milestones: [6, 13], gamma: 0.1 } } });
    expect(config.schedule).toEqual({ name: 'multistep', milestones: [6, 13], gamma: 0.1 });
  });

  it('fractions over milestones the other way round, at any depth of merging, keeping the other keys', () => {
    const parent = { schedule: { name: 'multistep', milestones: [6, 13], gamma: 0.5, warmup: { epochs: 1 } } };
    expect(mergeLayers(parent, { schedule: { fractions: [0.5] } })).toEqual({
      schedule: { name: 'multistep', fractions: [0.5], gamma: 0.5, warmup: { epochs: 1 } },
    });
  });

  it('epochs and a time budget: the layer that sets one drops the other of the layers below', async () => {
    const budgeted = { extends: 'baseline', training: { timeBudget: '30m' } };
    const planned = await resolveConfig({ inline: budgeted });
    expect(planned.config.training.timeBudget).toBe('30m');
    // --epochs on the command line (an overrides layer) wins over the config's budget, and --time-budget over its epochs.
    const short = await resolveConfig({ inline: budgeted, overrides: { training: { epochs: 3 } } });
    expect(short.config.training.epochs).toBe(3);
    expect(short.config.training.timeBudget).toBeUndefined();
    const timed = await resolveConfig({ inline: { extends: 'baseline', training: { epochs: 4 } }, overrides: { training: { timeBudget: '2h' } } });
    expect(timed.config.training.timeBudget).toBe('2h');
    expect(timed.config.training).not.toHaveProperty('epochs', 4);
  });

  it('a child that sets none of a group merges as before', () => {
    const parent = { schedule: { name: 'multistep', fractions: [0.5, 0.75], gamma: 0.1 } };
    expect(mergeLayers(parent, { schedule: { gamma: 0.2 } })).toEqual({ schedule: { name: 'multistep', fractions: [0.5, 0.75], gamma: 0.2 } });
  });

  it('the table names sections by their dotted path and groups of two or more keys', () => {
    for (const group of EXCLUSIVE_KEYS) expect(group.keys.length).toBeGreaterThanOrEqual(2);
    expect(replacedAlternatives('schedule', ['milestones', 'gamma'])).toEqual(['fractions']);
    expect(replacedAlternatives('optimizer', ['milestones'])).toEqual([]);
    expect(replacedAlternatives('training', ['epochs', 'seed'])).toEqual(['timeBudget']);
  });
});
