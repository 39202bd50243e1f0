/**
 * Watches a time-budget run against its plan: logs the plan when the run starts and warns, once,
 * when the run is on course to end past its budget (its epochs slower than the pilot measured).
 * The epochs stay as planned (the learning-rate schedule was laid out for them); the warning says
 * so and what to do instead, so an overrun is never silent.
 */
import type { PluginHost, TricksterPlugin } from '../core/plugin.js';
import type { TimeBudgetPlan } from './time-budget.js';

/** Where a budget run stands after some epochs, in seconds from the budget's start. */
export interface BudgetProgress {
  /** Now. */
  readonly elapsedSeconds: number;
  /** When the first epoch ended (it carries the warm-up, so the pace is taken after it). */
  readonly firstEpochEndSeconds: number;
  readonly epochsDone: number;
  readonly epochs: number;
  readonly finalEvalSeconds: number;
}

/**
 * The run's projected end, in seconds from the budget's start: now, plus the epochs left at the
 * pace of the epochs after the first, plus the final evaluation; undefined before the second epoch ends.
 */
export function projectedSeconds(p: BudgetProgress): number | undefined {
  if (p.epochsDone < 2) return undefined;
  const pace = (p.elapsedSeconds - p.firstEpochEndSeconds) / (p.epochsDone - 1);
  return p.elapsedSeconds + (p.epochs - p.epochsDone) * pace + p.finalEvalSeconds;
}

/** The plan's one line for the run's log. */
export function planLine(p: TimeBudgetPlan): string {
  return (
    `trickster: time budget ${p.budget} (${Math.round(p.budgetSeconds)} s): the pilot trained ${Math.round(p.pilotImgPerSec)} img/s in ${p.pilotSeconds.toFixed(1)} s, ` +
    `so ${p.epochs} epoch(s) of ~${Math.round(p.epochSeconds)} s fit with a ${Math.round(100 * p.margin)}% margin (estimated ${Math.round(p.estimatedSeconds)} s in all)`
  );
}

/**
 * The plugin that logs `plan` when the run starts and, after each epoch from the second, warns
 * once when the run's projected end (projectedSeconds) is past the budget. `startedAt`: when the
 * budget started (ms since the epoch); `now` is the clock (tests pass their own).
 */
export function budgetWatch(plan: TimeBudgetPlan, startedAt: number, now: () => number = Date.now): TricksterPlugin {
  const name = 'time-budget-watch';
  const seconds = (): number => (now() - startedAt) / 1000;
  let firstEpochEndSeconds = 0;
  let warned = false;
  return {
    name,
    apply(host: PluginHost) {
      host.hooks.setup.tap(name, () => host.logger.info(planLine(plan)));
      host.hooks.afterEpoch.tap(name, ({ epoch, epochs }) => {
        const elapsedSeconds = seconds();
        const epochsDone = epoch + 1;
        if (epochsDone === 1) firstEpochEndSeconds = elapsedSeconds;
        const end = projectedSeconds({ elapsedSeconds, firstEpochEndSeconds, epochsDone, epochs, finalEvalSeconds: plan.finalEvalSeconds });
        if (warned || end === undefined || end <= plan.budgetSeconds) return;
        warned = true;
        const pace = (elapsedSeconds - firstEpochEndSeconds) / (epochsDone - 1);
        host.logger.warn(
          `training.timeBudget ${plan.budget}: epochs take ~${Math.round(pace)} s (the pilot estimated ~${Math.round(plan.epochSeconds)} s), so this run of ${epochs} epochs ` +
            `will end near ${Math.round(end)} s, past its ${Math.round(plan.budgetSeconds)} s budget; it keeps the planned epochs (the schedule is laid out for them): stop it and use a smaller --time-budget or --epochs to stay within the budget`,
        );
      });
    },
  };
}
