import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TricksterConfig } from '../../core/config/schema.js';
import { plannedEpochs } from '../../core/experiments/run-progress.js';

describe('plannedEpochs (the k/E of experiment progress and status)', () => {
  const trialConfig = { training: { epochs: 10, timeBudget: '20s' } } as unknown as TricksterConfig;

  it("is the run's config.json epochs once the run has started (a time budget's plan), else the trial config's", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trickster-progress-'));
    expect(plannedEpochs(dir, trialConfig)).toBe(10);
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ training: { epochs: 34 } }));
    expect(plannedEpochs(dir, trialConfig)).toBe(34);
  });

  it("falls back to the trial config's epochs for a config.json being written or without epochs", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trickster-progress-'));
    writeFileSync(path.join(dir, 'config.json'), '{"training": {"epo');
    expect(plannedEpochs(dir, trialConfig)).toBe(10);
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model: {} }));
    expect(plannedEpochs(dir, trialConfig)).toBe(10);
  });
});
