import type * as tf from '@tensorflow/tfjs';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import type { PluginState, Position, StateBag } from './contexts.js';
import { CheckpointError } from './errors.js';
import type { TrainerHooks } from './hooks.js';
import type { Optimizer } from './optim/types.js';
import type { RandomStreams } from './random-streams.js';
import { disposeAll } from './tensor-ownership.js';
import { allVariables } from './variables.js';

/** The parts of a trainer a checkpoint holds. */
export interface StateParts {
  model: tf.LayersModel;
  optimizer: Optimizer;
  rng: RandomStreams;
  hooks: TrainerHooks;
  position(): Position;
  setPosition(p: Position): void;
}

/** A StateBag in memory: what a checkpoint's plugin states pass through (and a plugin's tests save into and load from). */
export class MapStateBag implements StateBag {
  readonly entries = new Map<string, PluginState>();
  set(plugin: string, state: PluginState): void {
    this.entries.set(plugin, state);
  }
  get(plugin: string): PluginState | undefined {
    return this.entries.get(plugin);
  }
}

/** Writes weights, optimizer state, position, RNG state and every plugin's state (atomically). */
export async function saveTrainerState(file: string, parts: StateParts): Promise<void> {
  const bag = new MapStateBag();
  parts.hooks.saveState.call(bag);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, v] of Object.entries(allVariables(parts.model))) tensors[`weights/${name}`] = v;
  const opt = parts.optimizer.getState();
  for (const [name, t] of Object.entries(opt.tensors)) tensors[`optimizer/${name}`] = t;
  const pluginJson: Record<string, unknown> = {};
  for (const [plugin, state] of bag.entries) {
    pluginJson[plugin] = state.json ?? null;
    for (const [name, t] of Object.entries(state.tensors ?? {})) tensors[`plugins/${plugin}/${name}`] = t;
  }
  try {
    await writeCheckpoint(file, {
      json: { position: parts.position(), rng: parts.rng.getState(), optimizer: { name: parts.optimizer.name, ...opt.json }, plugins: pluginJson },
      tensors,
    });
  } finally {
    disposeAll(opt.tensors);
  }
}

/** Restores a checkpoint into the trainer's parts; returns the number of completed epochs. */
export function restoreTrainerState(file: string, parts: StateParts): number {
  const { json, tensors } = readCheckpoint(file);
  try {
    const variables = allVariables(parts.model);
    for (const [name, v] of Object.entries(variables)) {
      const t = tensors[`weights/${name}`];
      if (!t) throw new CheckpointError(`${file} has no weights for "${name}"; it was written for another model`);
      if (t.shape.join('x') !== v.shape.join('x')) {
        throw new CheckpointError(`${file}: weights "${name}" have shape [${t.shape}] but the model needs [${v.shape}]`);
      }
      v.assign(t);
    }
    const opt = json.optimizer as { name: string } & Record<string, unknown>;
    if (opt.name !== parts.optimizer.name) {
      throw new CheckpointError(`${file} holds ${opt.name} optimizer state but the config uses ${parts.optimizer.name}`);
    }
    const optTensors: Record<string, tf.Tensor> = {};
    for (const [k, t] of Object.entries(tensors)) if (k.startsWith('optimizer/')) optTensors[k.slice('optimizer/'.length)] = t;
    parts.optimizer.setState({ json: opt, tensors: optTensors });
    parts.rng.setState(json.rng as Record<string, unknown>);
    const bag = new MapStateBag();
    const plugins = (json.plugins ?? {}) as Record<string, unknown>;
    for (const [plugin, pj] of Object.entries(plugins)) {
      const prefix = `plugins/${plugin}/`;
      const own: Record<string, tf.Tensor> = {};
      for (const [k, t] of Object.entries(tensors)) if (k.startsWith(prefix)) own[k.slice(prefix.length)] = t;
      bag.set(plugin, { json: pj, tensors: own });
    }
    parts.hooks.loadState.call(bag);
    const position = json.position as Position;
    parts.setPosition(position);
    return position.epoch;
  } finally {
    disposeAll(tensors);
  }
}
