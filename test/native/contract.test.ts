import { beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../plugins/registry.js';
import { contractTrainer, runClaims, trainTeacher, useContractBackend } from '../helpers/contract-run.js';
import { describeLeakContract } from '../helpers/contract-leaks.js';
import { describeResumeContract } from '../helpers/contract-resume.js';
import { canonicalConfig, canonicalSettings } from '../plugins/canonical-settings.js';
import { requireNative } from './require-native.js';
import { registeredTricksterKernels } from './wasm-kernels-registered.js';

/**
 * The plugin contract (test/plugins/contract-*.test.ts) on the native tensorflow backend: (a) every
 * built-in plugin does what it claims, (b) killed at an epoch boundary and resumed a run ends
 * bit-identical, (c) no tensor leaks over 200 steps, for a representative set of plugins (the
 * weight averagers, the batch and gradient rewriters, a schedule), and replicas above 1 refused.
 */
useContractBackend('node');
beforeAll(requireNative);

describe('plugin contract on tensorflow: each plugin does what it claims (1 replica)', () => {
  let teacher = '';
  beforeAll(async () => {
    teacher = await trainTeacher();
  });

  for (const { name } of builtinPlugins) {
    it(name, async () => {
      const { summary, active } = await runClaims(canonicalConfig(name, { teacher }), { [name]: canonicalSettings[name]!.claim });
      expect(active).toContain(name);
      expect(summary.backend).toBe('tensorflow (@tensorflow/tfjs-node)');
      expect(summary.replicas).toBe(1);
    });
  }

  it('refuses training.replicas: 2 on tensorflow before training, with a coded error saying what to set', async () => {
    const trainer = await contractTrainer(canonicalConfig('ema', { last: { training: { replicas: 2 } } }));
    try {
      await expect(trainer.fit()).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('Set training.replicas to 1 or auto') });
    } finally {
      trainer.dispose();
    }
  });
});

const representative = ['lr-schedule', 'ema', 'swa', 'gradient-accumulation', 'mixup-cutmix', 'precise-bn'];
describeResumeContract(representative);
describeLeakContract(representative);

it("leaves trickster's wasm kernels unregistered after all those runs", () => {
  expect(registeredTricksterKernels()).toEqual([]);
});
