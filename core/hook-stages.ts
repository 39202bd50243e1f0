/**
 * Named stages of hook taps, in one table beside the hooks (core/hooks.ts), like webpack's
 * `PROCESS_ASSETS_STAGE_*`. Taps of one hook run in ascending stage, ties in registration order;
 * a tap without a stage is at 0. A plugin says where it runs by name
 * (`tap({ name, stage: STAGE.SWAP_IN_AVERAGED_WEIGHTS })`), and places a tap of its own relative
 * to these (`STAGE.ADD_LOSS_TERM + 1`). Entries are grouped by the hook they order; a value
 * only orders taps of the same hook.
 */
export const STAGE = {
  // setup
  /** setup: snapshot the initial weights (EMA's shadow) after the other setup taps changed them. */
  SNAPSHOT_INITIAL_WEIGHTS: 100,

  // batch (waterfall over the device batch)
  /** batch: per-image erasing (random erasing), before images are mixed, as in timm's pipeline. */
  ERASE_IMAGES: -10,
  /** batch: mix each batch with its reverse (mixup, cutmix); targets become soft. */
  MIX_BATCH: 0,
  /** batch: smooth the (possibly mixed) targets exactly once (label smoothing; affine, so order with mixing is free). */
  SMOOTH_TARGETS: 10,

  // beforeStep
  /** beforeStep: the schedule sets its factor of the step's learning rate (lr-schedule). */
  SET_SCHEDULE: 0,
  /** beforeStep: taps that read or adjust the scheduled rate (SWA's override, ReduceLROnPlateau's multiplier). */
  ADJUST_SCHEDULED_LR: 100,

  // loss (waterfall inside the gradient tape)
  /** loss: add a term to the loss (distillation), after taps that change the cross-entropy itself (at 0). */
  ADD_LOSS_TERM: 100,

  // afterBackward (waterfall over the gradients)
  /** afterBackward: flip each micro-batch's gradients by sign(loss − b) (flooding), before accumulation sums them. */
  FLOOD_GRADIENTS: -200,
  /** afterBackward: accumulate micro-batches first, so later taps see only a whole window's mean gradient. */
  ACCUMULATE_GRADIENTS: -100,
  /** afterBackward: layer-wise rescaling (LARC), after accumulation and default-stage gradient taps. */
  RESCALE_GRADIENTS: 10,

  // afterOptimizerStep
  /** afterOptimizerStep: update weight averages (EMA) from the weights the step left, after other taps. */
  UPDATE_AVERAGES: 100,

  // beforeEval / afterEval
  /** beforeEval: put averaged weights (EMA) in the model first, so later taps act on the weights evaluated. */
  SWAP_IN_AVERAGED_WEIGHTS: -100,
  /** beforeEval: recompute batch-norm statistics (precise BN) of the weights about to be evaluated. */
  RECALIBRATE_BATCH_NORM: 0,
  /** afterEval: read the metrics and the evaluated weights (early stopping, ReduceLROnPlateau). */
  READ_EVAL_METRICS: 0,
  /** afterEval: take averaged weights back out, after every tap that reads the evaluated weights. */
  SWAP_OUT_AVERAGED_WEIGHTS: 100,

  // afterTrain
  /** afterTrain: put the EMA weights in place for the final evaluation and export. */
  EXPORT_AVERAGED_WEIGHTS: -100,
  /** afterTrain: put SWA's average in place and recompute its batch-norm statistics. */
  SWAP_IN_SWA_AVERAGE: 0,
  /** afterTrain: restore the weights of the best evaluation (early stopping), over those put in place before. */
  RESTORE_BEST_WEIGHTS: 50,
  /** afterTrain: precise BN's end pass, on whichever weights the earlier taps left. */
  FINAL_BATCH_NORM_PASS: 100,
  /** afterTrain: FixRes fine-tuning at the test resolution, on the weights evaluated and exported. */
  FINE_TUNE_AT_TEST_SIZE: 200,
  /** afterTrain: release what nothing after training needs (the distillation teacher); last. */
  RELEASE_TRAINING_ONLY: 1000,
} as const;
