import { builtinPlugins } from '../../plugins/registry.js';
import { describeLeakContract } from '../helpers/contract-leaks.js';

/** Plugin contract (c), second half of the built-in plugins (the other half: contract-leaks-a). */
describeLeakContract(builtinPlugins.map((p) => p.name).slice(7));
