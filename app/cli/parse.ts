import { InvalidArgumentError } from 'commander';

/** Commander parser for a positive integer flag. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, found "${value}"`);
  return n;
}

/** Commander parser for a non-negative integer flag. */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, found "${value}"`);
  return n;
}

/** Commander parser for a positive number flag. */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, found "${value}"`);
  return n;
}

/** Commander parser for `--replicas`: `auto` or a positive integer. */
export function replicasOption(value: string): number | 'auto' {
  if (value === 'auto') return value;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected auto or a positive integer, found "${value}"`);
  return n;
}
