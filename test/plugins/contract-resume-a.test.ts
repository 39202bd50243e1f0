import { beforeAll, describe, it } from 'vitest';
import { builtinPlugins } from '../../plugins/registry.js';
import { expectResumeIdentical } from '../helpers/contract-resume.js';
import { trainTeacher } from '../helpers/contract-run.js';
import { canonicalConfig } from './canonical-settings.js';

/** Plugin contract (b), first half of the built-in plugins (the second: contract-resume-b). */
describe('plugin contract: killed at an epoch boundary and resumed, a run ends bit-identical', () => {
  const names = builtinPlugins.map((p) => p.name).slice(0, 7);
  let teacher = '';
  beforeAll(async () => {
    if (names.includes('distillation')) teacher = await trainTeacher();
  });
  for (const name of names) {
    it(name, async () => {
      await expectResumeIdentical(canonicalConfig(name, { teacher }));
    });
  }
});
