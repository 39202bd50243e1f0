import { builtinPlugins } from '../../plugins/registry.js';
import { describeResumeContract } from '../helpers/contract-resume.js';

/** Plugin contract (b), second half of the built-in plugins (the other half: contract-resume-a). */
describeResumeContract(builtinPlugins.map((p) => p.name).slice(7));
