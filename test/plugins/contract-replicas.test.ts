import { beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../plugins/registry.js';
import { contractTrainer, runClaims, trainTeacher } from '../helpers/contract-run.js';
import { canonicalConfig, canonicalSettings } from './canonical-settings.js';

/**
 * Plugin contract (d): with `training.replicas: 2` every built-in plugin either still does what it
 * claims (each batch split over the training thread and a replica thread), or refuses the explicit
 * count before training with a coded ConfigError that names it (plugins that need the whole batch
 * in one thread, such as distillation's loss-hook tap).
 */
describe('plugin contract: two replicas, or a clear refusal', () => {
  let teacher = '';
  beforeAll(async () => {
    teacher = await trainTeacher();
  });

  for (const { name } of builtinPlugins) {
    const setting = canonicalSettings[name]!;
    const config = () => canonicalConfig(name, { teacher, last: { training: { replicas: 2 } } });
    if (setting.refusesReplicas) {
      it(`${name} refuses replicas: 2 (${setting.refusesReplicas})`, async () => {
        const trainer = await contractTrainer(config());
        try {
          await expect(trainer.fit()).rejects.toMatchObject({ code: setting.refusesReplicas, message: expect.stringContaining(name) });
        } finally {
          trainer.dispose();
        }
      });
      continue;
    }
    it(`${name} with replicas: 2`, async () => {
      const { summary, active } = await runClaims(config(), { [name]: setting.claim });
      expect(active).toContain(name);
      expect(summary.replicas).toBe(2);
    });
  }
});
