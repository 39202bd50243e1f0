import { classStats, mostConfusedPairs } from './class-stats.js';
import { esc, fixed, htmlTable, percent, section } from './html.js';
import type { TestEvaluation } from './test-evaluation.js';

/** The confusion matrix as a table, true classes down, predicted across; cells shaded by their share of the row. */
function confusionTable(ev: TestEvaluation): string {
  const names = ev.classNames;
  const head = `<tr><th>true \\ predicted</th>${names.map((n) => `<th class="pred">${esc(n)}</th>`).join('')}</tr>`;
  const rows = ev.confusion.map((row, t) => {
    const support = row.reduce((a, b) => a + b, 0) || 1;
    const cells = row.map((count, p) => {
      const share = count / support;
      const hue = t === p ? '46,125,50' : '198,40,40';
      const color = count === 0 ? '' : ` style="background: rgba(${hue},${(0.08 + 0.8 * share).toFixed(3)})"`;
      return `<td data-count="${count}"${color} title="${esc(`${names[t]} as ${names[p]}: ${count}`)}">${count}</td>`;
    });
    return `<tr><th>${esc(names[t])}</th>${cells.join('')}</tr>`;
  });
  return `<table class="confusion" data-total="${ev.count}"><thead>${head}</thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/**
 * The test-split sections of a run's report: confusion matrix, per-class precision and recall, the
 * most-confused class pairs and a grid of the highest-loss test images.
 */
export function renderEvaluation(ev: TestEvaluation): string {
  const names = ev.classNames;
  const stats = classStats(ev.confusion);
  const perClass = htmlTable(
    ['class', 'precision', 'recall', 'test images', 'predicted as it'],
    stats.map((s, c) => [esc(names[c]), percent(s.precision, 1), percent(s.recall, 1), String(s.support), String(s.predicted)]),
    'class="per-class"',
  );
  const pairs = mostConfusedPairs(ev.confusion, 10);
  const pairTable =
    pairs.length === 0
      ? '<p>No test image was misclassified.</p>'
      : htmlTable(
          ['true class', 'taken for', 'images', 'share of the true class'],
          pairs.map((p) => [esc(names[p.actual]), esc(names[p.predicted]), String(p.count), percent(p.share, 1)]),
          'class="confused-pairs"',
        );
  const grid = ev.hardest
    .map(
      (h) =>
        `<figure data-loss="${h.loss}"><img alt="${esc(`test image ${h.index}`)}" src="${h.png}">` +
        `<figcaption>#${h.index} true <b>${esc(names[h.label])}</b><br><span class="${h.label === h.predicted ? '' : 'wrong'}">predicted ${esc(names[h.predicted])} ${percent(h.probPredicted, 1)}</span>` +
        `<br>p(true) ${percent(h.probTrue, 1)} · loss ${fixed(h.loss, 2)}</figcaption></figure>`,
    )
    .join('\n');
  const intro =
    `<p>The exported model (model/model.json) evaluated again on the run's test split: ${ev.count} images from ${esc(ev.dataDir)} ` +
    `(data.testLimit and data.size applied as in training). Top-1 ${percent(ev.top1)}, loss ${fixed(ev.loss, 4)}.</p>`;
  return [
    section('confusion', 'Confusion matrix (test split)', intro + confusionTable(ev)),
    section('per-class', 'Per-class precision and recall (test split)', perClass),
    section('confused-pairs', 'Most-confused class pairs (test split)', pairTable),
    section('hardest', `The ${ev.hardest.length} test images with the highest loss`, `<div class="grid">\n${grid}\n</div>`),
  ].join('\n');
}
