import { beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../plugins/registry.js';
import { runClaims, trainTeacher } from '../helpers/contract-run.js';
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
});
