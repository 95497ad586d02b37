import { styleFor, type Style } from './style.js';

/** Renders rows as a left-aligned text table with a header (bold on a terminal). */
export function table(header: string[], rows: string[][], style: Style = styleFor(process.stdout)): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [style.bold(line(header)), ...rows.map(line)].join('\n') + '\n';
}
