import { describe, expect, it } from 'vitest';
import { BudgetEtaClock, EtaClock } from '../../core/experiments/eta.js';

describe('experiment ETA', () => {
  it('epochs: the epochs left at the pooled rate so far', () => {
    const eta = new EtaClock(10);
    expect(eta.text()).toBe('--:--');
    eta.add(2);
    // 2 epochs in the time since the clock started: 8 left take 4x that time.
    expect(eta.text(Date.now() + 60_000)).toMatch(/^4:0\d$/);
  });

  it('time budgets: the budget left of the running trials plus the queued ones, over the parallel slots', () => {
    const eta = new BudgetEtaClock(new Map([['a', 600], ['b', 600], ['c', 600], ['d', 300]]), 2);
    const t0 = 1_000_000;
    // Nothing started: 2100 s of budget over 2 slots.
    expect(eta.text(t0)).toBe('17:30');
    eta.start('a', t0);
    eta.start('b', t0);
    // 100 s in: a and b have 500 s left each, c and d queued: (1000 + 900) / 2.
    expect(eta.text(t0 + 100_000)).toBe('15:50');
    eta.start('a', t0 + 200_000); // a retry keeps a's first start
    eta.end('a');
    eta.start('c', t0 + 300_000);
    // At 300 s: b 300 left, c 600, d 300 queued: 1200 / 2.
    expect(eta.text(t0 + 300_000)).toBe('10:00');
    eta.end('b');
    eta.end('c');
    // One trial left: one slot, its whole budget.
    expect(eta.text(t0 + 900_000)).toBe('5:00');
    eta.end('d');
    expect(eta.text(t0 + 900_000)).toBe('0:00');
  });
});
