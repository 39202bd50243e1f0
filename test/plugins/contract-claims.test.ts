import { beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../plugins/registry.js';
import { contractTrainer, exportedWeights, runClaims, trainTeacher } from '../helpers/contract-run.js';
import { canonicalConfig, canonicalSettings } from './canonical-settings.js';

/**
 * Plugin contract (a): every built-in plugin, switched on from the config with its canonical
 * settings, provably does what it claims in a short real run on one replica (see each claim in
 * test/helpers/contract-claims-*.ts). Two replicas: contract-replicas.test.ts.
 */
describe('plugin contract: each plugin does what it claims (1 replica)', () => {
  let teacher = '';
  beforeAll(async () => {
    teacher = await trainTeacher();
  });

  for (const { name } of builtinPlugins) {
    it(name, async () => {
      const { summary, active } = await runClaims(canonicalConfig(name, { teacher }), { [name]: canonicalSettings[name]!.claim });
      expect(active).toContain(name);
      expect(summary.replicas).toBe(1);
    });
  }

  it('distillation with alpha 0 trains bit-identically to the same run without it', async () => {
    const runDir = async (config: Record<string, unknown>) => {
      const trainer = await contractTrainer(config);
      try {
        return (await trainer.fit()).runDir;
      } finally {
        trainer.dispose();
      }
    };
    const alpha0 = canonicalConfig('distillation', { teacher, last: { plugins: { distillation: { alpha: 0 } } } });
    const without = canonicalConfig('distillation', { last: { plugins: { distillation: false } } });
    expect(exportedWeights(await runDir(alpha0)).equals(exportedWeights(await runDir(without)))).toBe(true);
  });
});
