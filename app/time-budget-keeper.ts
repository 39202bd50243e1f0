/**
 * Keeps a time-budget run within its budget. The pilot's plan is a guess from 12 batches on a
 * machine whose speed drifts; so after each epoch from the second the keeper measures the pace of
 * the recent epochs and revises the run's epochs (PluginHost.reviseEpochs) when the planned ones
 * would end past the budget, or (in the run's first half) when more fit with the margin: the run
 * neither overruns its budget nor leaves a large part of it unused, and the learning-rate schedule
 * (laid out over training.epochs) follows the revised length, as does SWA's start until its phase
 * begins (plugins/swa).
 */
import type { PluginHost, TricksterPlugin } from '../core/plugin.js';
import type { TimeBudgetPlan } from './time-budget.js';

/** Epochs (after the first, which carries the warm-up) whose mean duration is the pace: recent enough to follow a machine that slows down. */
export const PACE_WINDOW = 3;

/** Where a budget run stands, in seconds from the budget's start. */
export interface BudgetProgress {
  /** When each epoch so far ended (the last one is now). */
  readonly epochEnds: readonly number[];
  /** The run's epochs as planned so far. */
  readonly epochs: number;
  readonly budgetSeconds: number;
  /** What the run does after its last epoch: the final evaluation and the plugins' end-of-run work. */
  readonly endSeconds: number;
  /** Share of the time left kept in reserve when the epochs are fitted to it. */
  readonly margin: number;
}

/** A change of the run's length, as the summary's timeBudget.revisions lists it. */
export interface BudgetRevision {
  readonly afterEpoch: number;
  readonly epochs: number;
  /** The pace it was computed from, in seconds per epoch. */
  readonly paceSeconds: number;
}

/**
 * Seconds per epoch: the mean duration of the last PACE_WINDOW epochs after the first (the
 * interval between two epoch ends, so it includes the evaluation and checkpoint between them);
 * undefined before the second epoch ends.
 */
export function epochPace(ends: readonly number[]): number | undefined {
  if (ends.length < 2) return undefined;
  const from = Math.max(0, ends.length - 1 - PACE_WINDOW);
  return (ends.at(-1)! - ends[from]!) / (ends.length - 1 - from);
}

/** The run's projected end: now, plus the epochs left at epochPace, plus what follows the last epoch; undefined before the second epoch ends. */
export function projectedSeconds(p: BudgetProgress): number | undefined {
  const pace = epochPace(p.epochEnds);
  if (pace === undefined) return undefined;
  return p.epochEnds.at(-1)! + (p.epochs - p.epochEnds.length) * pace + p.endSeconds;
}

/**
 * The epochs the run should have now. When the plan would overrun: fit(epochPace), as few as the
 * epochs done (the run ends now). When fit(slower of epochPace and the mean of all epochs after the
 * first) is more and the run is in its first half: that (the slower pace keeps one fast epoch from
 * lengthening a run the next slow one would shorten again; later, a longer schedule would raise a
 * rate that is already annealing). Otherwise the planned ones. fit(pace) = epochs done +
 * floor((budget − now − end of run) × (1 − margin) / pace). Undefined before the second epoch ends.
 */
export function revisedEpochs(p: BudgetProgress): number | undefined {
  const pace = epochPace(p.epochEnds);
  const end = projectedSeconds(p);
  if (pace === undefined || end === undefined) return undefined;
  const done = p.epochEnds.length;
  const now = p.epochEnds.at(-1)!;
  const fit = (secondsPerEpoch: number) => done + Math.max(0, Math.floor(((p.budgetSeconds - now - p.endSeconds) * (1 - p.margin)) / secondsPerEpoch));
  if (end > p.budgetSeconds) return fit(pace);
  const longer = fit(Math.max(pace, (now - p.epochEnds[0]!) / (done - 1)));
  return longer > p.epochs && 2 * done <= p.epochs ? longer : p.epochs;
}

/** The plan's one line for the run's log. */
export function planLine(p: TimeBudgetPlan): string {
  return (
    `trickster: time budget ${p.budget} (${Math.round(p.budgetSeconds)} s): the pilot trained ${Math.round(p.pilotImgPerSec)} img/s in ${p.pilotSeconds.toFixed(1)} s, ` +
    `so ${p.epochs} epoch(s) of ~${Math.round(p.epochSeconds)} s fit with a ${Math.round(100 * p.margin)}% margin (estimated ${Math.round(p.estimatedSeconds)} s in all)`
  );
}

/** The keeper plugin and the revisions it made (filled as the run goes). */
export interface BudgetKeeper {
  readonly plugin: TricksterPlugin;
  readonly revisions: readonly BudgetRevision[];
}

/**
 * The plugin that logs `plan` when the run starts and, after each epoch from the second, revises
 * the run's epochs to revisedEpochs, logging why.
 * `startedAt`: when the budget started (ms since the epoch); `now` is the clock (tests pass their own).
 */
export function keepBudget(plan: TimeBudgetPlan, startedAt: number, now: () => number = Date.now): BudgetKeeper {
  const name = 'time-budget';
  const revisions: BudgetRevision[] = [];
  const epochEnds: number[] = [];
  const endSeconds = plan.finalEvalSeconds + plan.endOfRunSeconds;
  const plugin: TricksterPlugin = {
    name,
    apply(host: PluginHost) {
      host.hooks.setup.tap(name, () => host.logger.info(planLine(plan)));
      host.hooks.afterEpoch.tap(name, ({ epoch, epochs }) => {
        epochEnds.push((now() - startedAt) / 1000);
        const progress = { epochEnds, epochs, budgetSeconds: plan.budgetSeconds, endSeconds, margin: plan.margin };
        const pace = epochPace(epochEnds);
        const target = revisedEpochs(progress);
        if (pace === undefined || target === undefined || target === epochs) return;
        host.reviseEpochs(name, target);
        revisions.push({ afterEpoch: epoch + 1, epochs: target, paceSeconds: pace });
        const what = target === epoch + 1 ? 'the budget is spent, so the run ends after this epoch' : `so ${target} epochs fit, not ${epochs}: the run trains ${target > epochs ? 'longer' : 'shorter'} and the learning-rate schedule follows`;
        host.logger.info(`trickster: time budget ${plan.budget}: epochs take ~${Math.round(pace)} s (${Math.round(epochEnds.at(-1)!)} s of ${Math.round(plan.budgetSeconds)} s spent), ${what}`);
      });
    },
  };
  return { plugin, revisions };
}
