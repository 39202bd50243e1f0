import { describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../plugins/registry.js';
import { contractBase, resolvedOptions, runClaims } from '../helpers/contract-run.js';
import { resolveConfig } from '../../core/config/load.js';
import { canonicalConfig, canonicalSettings } from './canonical-settings.js';

/**
 * The plugin contract's registry and its claims. Every built-in plugin has canonical settings
 * with a claim, and no claim holds vacuously: checked on the same run with the plugin switched off
 * (lr-schedule: a constant schedule), each claim fails.
 */
describe('plugin contract registry', () => {
  it('has canonical settings and a claim for every built-in plugin, lr-schedule included', () => {
    expect(Object.keys(canonicalSettings).sort()).toEqual(builtinPlugins.map((p) => p.name).sort());
  });

  for (const { name } of builtinPlugins) {
    it(`the ${name} claim fails on a run without ${name}`, async () => {
      const setting = canonicalSettings[name]!;
      const on = await resolveConfig({ inline: canonicalConfig(name, { teacher: 'teacher.json' }) });
      const options = resolvedOptions(name, on.config);
      const off = contractBase(setting.config ?? {});
      if (name === 'lr-schedule') off.schedule = { name: 'constant' };
      await expect(runClaims(off, { [name]: setting.claim }, { options: { [name]: options } })).rejects.toMatchObject({ name: 'AssertionError' });
    });
  }
});
