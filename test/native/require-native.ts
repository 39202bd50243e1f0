import { useBackend } from '../../core/backends/resolve.js';

/**
 * Switches to the native tensorflow backend (@tensorflow/tfjs-node), or throws saying why it is
 * not available, so that the native suite fails on a machine without it instead of skipping.
 */
export async function requireNative(): Promise<string> {
  try {
    return await useBackend('node');
  } catch (err) {
    throw new Error(`the native backend is not available here, so the native suite cannot run: ${(err as Error).message} Run \`npm run native:setup\` first (.ci/run does).`);
  }
}
