/**
 * Child-process entry of the bench: `node --import tsx bench/child.ts '<job JSON>'` runs one
 * configuration and prints one line `RESULT_PREFIX <Measurement JSON>` on stdout.
 */
import type { Job, Measurement } from './jobs.js';
import { measureBareLoop } from './measure-bare-loop.js';
import { measureForward } from './measure-forward.js';
import { measureLayersFit } from './measure-layers-fit.js';
import { measurePipeline } from './measure-pipeline.js';
import { measureNumericGuard } from './measure-numeric-guard.js';
import { measureSyncBnStep } from './measure-sync-bn.js';
import { measureTrickster } from './measure-trickster.js';
import { RESULT_PREFIX } from './spawn-job.js';
import { median } from './stats.js';

async function measure(job: Job): Promise<Omit<Measurement, 'peakRssMiB'>> {
  const ofSamples = (samples: number[], batch: number, extra?: Measurement['extra']) => ({
    imgPerSec: median(samples),
    samples,
    batch,
    extra,
  });
  switch (job.kind) {
    case 'trickster': {
      const r = await measureTrickster(job.model, job.plan, job.augment, job.replicas, job.backend, job.syncBatchNorm ?? false);
      return ofSamples(r.rates, job.plan.batch, { replicas: r.replicas });
    }
    case 'layers-fit':
      return ofSamples(await measureLayersFit(job.backend, job.model, job.plan), job.plan.batch);
    case 'bare-loop':
      return ofSamples(await measureBareLoop(job.model, job.plan), job.plan.batch);
    case 'forward': {
      const r = await measureForward(job.model, job.batch, job.repeats);
      return ofSamples(r.limitSamples, job.batch, {
        convGflops: r.convGflops,
        forwardGflops: r.forwardGflops,
        inferenceImgPerSec: r.inferenceImgPerSec,
        multiplyAddsPerImage: r.multiplyAddsPerImage,
      });
    }
    case 'numeric-guard':
      return ofSamples(await measureNumericGuard(job.model, job.batch, job.steps, job.repeats), job.batch);
    case 'sync-bn-step': {
      const r = await measureSyncBnStep(job.model, job.plan);
      return ofSamples(r.withSync, job.plan.batch, { withoutImgPerSec: median(r.without), withoutSamples: r.without.map((s) => s.toFixed(1)).join(', ') });
    }
    case 'pipeline':
      return ofSamples(await measurePipeline(job.batch, job.batches, job.repeats, job.augment), job.batch);
  }
}

const job = JSON.parse(process.argv[2] ?? '') as Job;
const result = await measure(job);
const measurement: Measurement = { ...result, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
process.stdout.write(`${RESULT_PREFIX} ${JSON.stringify(measurement)}\n`);
