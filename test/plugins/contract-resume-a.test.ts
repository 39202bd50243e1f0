import { builtinPlugins } from '../../plugins/registry.js';
import { describeResumeContract } from '../helpers/contract-resume.js';

/** Plugin contract (b), first half of the built-in plugins (the other half: contract-resume-b). */
describeResumeContract(builtinPlugins.map((p) => p.name).slice(0, 7));
