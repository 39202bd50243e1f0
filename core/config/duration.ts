/** Durations in configs and flags: `training.timeBudget` / `--time-budget`. */

const DURATION = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/;

/**
 * Seconds in a duration: a number of seconds (or a string of one), or a string of hours, minutes and seconds in that
 * order such as "30m", "2h", "1h30m", "90s" or "1.5h"; null when it is none of these or not above 0.
 */
export function durationSeconds(value: string | number): number | null {
  if (typeof value === 'number' || /^\s*\d+(?:\.\d+)?\s*$/.test(value)) {
    const seconds = Number(value);
    return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
  }
  const m = DURATION.exec(value.trim());
  if (!m || value.trim() === '') return null;
  const [h, min, s] = m.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
  const seconds = h! * 3600 + min! * 60 + s!;
  return seconds > 0 ? seconds : null;
}
