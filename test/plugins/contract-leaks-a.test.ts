import { builtinPlugins } from '../../plugins/registry.js';
import { describeLeakContract } from '../helpers/contract-leaks.js';

/** Plugin contract (c), first half of the built-in plugins (the other half: contract-leaks-b). */
describeLeakContract(builtinPlugins.map((p) => p.name).slice(0, 7));
