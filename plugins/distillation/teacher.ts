import { existsSync } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { ChannelStats } from '../../core/data/normalize.js';
import { CheckpointError } from '../../core/errors.js';
import { loadModelFromDir, METADATA_FILE, readModelMetadata } from '../../core/model-io.js';
import { renormalization, type ChannelAffine } from './loss.js';

/** What the teacher must fit: the student's data. */
export interface StudentData {
  readonly numClasses: number;
  readonly channels: number;
  readonly normalization: ChannelStats;
}

/** A loaded, frozen teacher and the map from the student's inputs to the teacher's. */
export interface Teacher {
  readonly model: tf.LayersModel;
  readonly affine: ChannelAffine | undefined;
}

/**
 * Throws a CheckpointError naming `file` when the teacher's input channels or number of classes
 * (from its input and output shapes) differ from the data's.
 */
export function checkTeacherShape(file: string, inputShape: readonly (number | null)[], outputShape: readonly (number | null)[], data: StudentData): void {
  const channels = inputShape.at(-1);
  const classes = outputShape.at(-1);
  if (classes !== data.numClasses) {
    throw new CheckpointError(`distillation teacher ${file} outputs ${classes} classes but the data has ${data.numClasses}; use a teacher trained on the same dataset`);
  }
  if (channels !== data.channels) {
    throw new CheckpointError(`distillation teacher ${file} takes ${channels}-channel images but the data has ${data.channels} channels; use a teacher trained on the same dataset`);
  }
}

/**
 * Loads the teacher saved at `file` (a model.json), frozen (`trainable = false`), checks that it
 * fits the data, and reads the normalisation it was trained with from the trickster.json beside
 * it. A model without that file is assumed to take the student's normalisation (`warn` says so).
 */
export async function loadTeacher(file: string, data: StudentData, warn: (message: string) => void): Promise<Teacher> {
  const model = await loadModelFromDir(file);
  try {
    model.trainable = false;
    checkTeacherShape(file, model.inputs[0]!.shape, model.outputs[0]!.shape, data);
    if (!existsSync(path.join(path.dirname(file), METADATA_FILE))) {
      warn(`distillation: no ${METADATA_FILE} beside ${file}; assuming the teacher was trained with the same input normalisation as the student`);
      return { model, affine: undefined };
    }
    const stats = readModelMetadata(file).normalization;
    if (stats.mean.length !== data.channels || stats.std.length !== data.channels) {
      throw new CheckpointError(`distillation teacher ${file}: ${METADATA_FILE} has a normalisation for ${stats.mean.length} channels but the data has ${data.channels}`);
    }
    return { model, affine: renormalization(data.normalization, stats) };
  } catch (err) {
    model.dispose();
    throw err;
  }
}
