import cliProgress from 'cli-progress';
import type { PluginHost, TricksterPlugin } from './plugin.js';

const NAME = 'progress';

/** Seconds formatted as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * Shows training progress: a bar with img/s and ETA on a TTY, plain periodic lines otherwise.
 * The loss shown is read from the device only when the display refreshes.
 */
export class ProgressPlugin implements TricksterPlugin {
  readonly name = NAME;

  constructor(private readonly mode: 'bar' | 'lines' | 'none', private readonly intervalSeconds = 10) {}

  apply(host: PluginHost): void {
    if (this.mode === 'none') return;
    let bar: cliProgress.SingleBar | undefined;
    let epochStart = 0;
    let lastShown = 0;
    let images = 0;
    host.hooks.beforeEpoch.tapPromise(NAME, async ({ epoch, epochs }) => {
      epochStart = Date.now();
      lastShown = epochStart;
      images = 0;
      if (this.mode === 'bar') {
        bar = new cliProgress.SingleBar(
          { format: `epoch ${epoch + 1}/${epochs} {bar} {value}/{total} | {ips} img/s | loss {loss} | ETA {etaText}`, hideCursor: true, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        );
        bar.start(host.batchesPerEpoch, 0, { ips: '-', loss: '-', etaText: '--:--' });
      }
    });
    host.hooks.afterStep.tap(NAME, ({ loss, batchInEpoch, batchSize }) => {
      images += batchSize;
      const now = Date.now();
      const elapsed = (now - epochStart) / 1000;
      const done = batchInEpoch + 1;
      const ips = images / Math.max(elapsed, 1e-9);
      const eta = ((host.batchesPerEpoch - done) * elapsed) / done;
      const due = now - lastShown >= (this.mode === 'bar' ? 500 : this.intervalSeconds * 1000);
      if (!due && done < host.batchesPerEpoch) {
        bar?.update(done);
        return;
      }
      lastShown = now;
      const lossText = loss.dataSync()[0].toFixed(4);
      if (bar) bar.update(done, { ips: ips.toFixed(0), loss: lossText, etaText: formatDuration(eta) });
      else host.logger.info(`  batch ${done}/${host.batchesPerEpoch}  loss ${lossText}  ${ips.toFixed(0)} img/s  ETA ${formatDuration(eta)}`);
    });
    host.hooks.afterEpoch.tapPromise(NAME, async () => {
      bar?.stop();
      bar = undefined;
    });
  }
}
