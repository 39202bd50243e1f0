/** `text` with &, <, >, " and ' escaped for HTML text and attribute values. */
export function esc(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A <table> with header cells `head` (text) and `rows` of cells that are already HTML. */
export function htmlTable(head: readonly string[], rows: readonly (readonly string[])[], attrs = ''): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${attrs ? ` ${attrs}` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A <section> with a heading. */
export function section(id: string, title: string, body: string): string {
  return `<section id="${esc(id)}"><h2>${esc(title)}</h2>\n${body}\n</section>`;
}

/** A paragraph saying what the report could not show and why. */
export function note(text: string): string {
  return `<p class="note">${esc(text)}</p>`;
}

/** A fraction as a percentage with `digits` decimals; empty for NaN or a missing value. */
export function percent(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '' : `${(100 * x).toFixed(digits)}%`;
}

/** A number with `digits` decimals; empty for NaN or a missing value. */
export function fixed(x: number | null | undefined, digits: number): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '' : x.toFixed(digits);
}

/** A value as text for a table: strings as they are, everything else as compact JSON. */
export function valueText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
}
