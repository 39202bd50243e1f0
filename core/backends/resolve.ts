import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../errors.js';
import { loadNativePackage } from './native-package.js';
import { guardWasmAllocation } from './wasm-alloc-guard.js';

/** Backends trickster can run on, in the order `auto` tries them. */
export const BACKEND_NAMES = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
/** A backend name, or `auto` for the first one that loads. */
export type BackendChoice = (typeof BACKEND_NAMES)[number] | 'auto';

const NATIVE_PACKAGES = { 'node-gpu': '@tensorflow/tfjs-node-gpu', node: '@tensorflow/tfjs-node' } as const;

async function activate(name: (typeof BACKEND_NAMES)[number]): Promise<string> {
  if (name === 'node-gpu' || name === 'node') {
    const pkg: string = NATIVE_PACKAGES[name];
    await loadNativePackage(pkg);
    if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but its backend failed to initialise`);
    return `tensorflow (${pkg})`;
  }
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    const { registerWasmGradientKernels } = await import('./wasm-gradients/index.js');
    registerWasmGradientKernels();
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
    guardWasmAllocation(tf.backend());
    return 'wasm';
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
  quietCpuBackend();
  return 'cpu';
}

/**
 * Stops the cpu backend's banner ("install our node backend"), which it prints on its first tensor
 * in Node: a run's first line already names the backend, and the README says how to get the
 * native ones. Creates the cpu backend if needed, without making it the active one.
 */
export function quietCpuBackend(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

/**
 * Activates a TF.js backend. `auto` tries @tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node (from
 * node_modules or the `npm run native:setup` prefix, see native-package.ts), wasm, then cpu, and
 * takes the first that loads; a named backend that cannot load is an error that
 * says how to install it. Returns a label of the backend in use.
 */
export async function useBackend(choice: BackendChoice = 'auto'): Promise<string> {
  if (choice !== 'auto' && !BACKEND_NAMES.includes(choice)) {
    throw new BackendError(`unknown backend "${choice}"; choose one of auto, ${BACKEND_NAMES.join(', ')}`);
  }
  const candidates = choice === 'auto' ? BACKEND_NAMES : [choice];
  const failures: string[] = [];
  for (const name of candidates) {
    try {
      const label = await activate(name);
      await tf.ready();
      return label;
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const hint =
    choice === 'node-gpu' || choice === 'node'
      ? ` Install it with \`npm install ${NATIVE_PACKAGES[choice]}\` (its install script downloads libtensorflow; CUDA is needed for node-gpu), or where that download is blocked with \`npm run native:setup${choice === 'node-gpu' ? ' -- --gpu' : ''}\` in a trickster checkout, or use --backend wasm.`
      : '';
  throw new BackendError(`backend "${choice}" is not available (${failures.join('; ')}).${hint}`);
}
