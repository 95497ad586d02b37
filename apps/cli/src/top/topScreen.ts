import { HOST_HEADER, MIGRATION_HEADER, PROC_HEADER, type TopRows } from './topView.js';

/**
 * Draws `wisp top`'s rows as one terminal frame: fits the screen (long tables are cut, the
 * event list gets what is left and shows its newest lines), headers bold when escapes are allowed.
 */

/** ANSI sequences the screen uses (CSI). */
export const ANSI = {
  altScreenOn: '\x1b[?1049h',
  altScreenOff: '\x1b[?1049l',
  hideCursor: '\x1b[?25l',
  showCursor: '\x1b[?25h',
  home: '\x1b[H',
  clearToEnd: '\x1b[J',
  clearLine: '\x1b[K',
} as const;

/** Terminal size, and whether headers may be bold (not with `NO_COLOR`). */
export interface ScreenSize {
  columns: number;
  rows: number;
  bold: boolean;
}

/** The frame's lines (no escapes but bold), each cut to the terminal's width. */
export function frameLines(r: TopRows, title: string, size: ScreenSize): string[] {
  const bold = (t: string) => (size.bold ? `\x1b[1m${t}\x1b[22m` : t);
  const out: Array<{ text: string; header?: boolean }> = [];
  const table = (header: string[], rows: string[][], max: number) => {
    const shown = rows.slice(0, max);
    const widths = header.map((h, i) => Math.max(h.length, ...shown.map((row) => (row[i] ?? '').length)));
    const line = (row: string[]) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    out.push({ text: line(header), header: true });
    for (const row of shown) out.push({ text: line(row) });
    if (rows.length > shown.length) out.push({ text: `… ${rows.length - shown.length} more` });
  };
  out.push({ text: `${title}   ${r.status}   keys: s sort  h/1-9 host  0 all  q quit`, header: true });
  table(HOST_HEADER, r.hosts, 16);
  out.push({ text: '' });
  // The process table takes up to half of what is left; the rest is migrations and events.
  const procRoom = Math.max(3, Math.floor((size.rows - out.length) / 2) - 4);
  table(PROC_HEADER, r.procs, procRoom);
  out.push({ text: '' });
  table(MIGRATION_HEADER, r.migrations, 4);
  out.push({ text: '' });
  out.push({ text: 'EVENTS', header: true });
  const room = Math.max(0, size.rows - out.length);
  for (const e of room > 0 ? r.events.slice(-room) : []) out.push({ text: e });
  return out.slice(0, size.rows).map((l) => {
    const cut = l.text.length > size.columns ? l.text.slice(0, size.columns) : l.text;
    return l.header ? bold(cut) : cut;
  });
}

/**
 * One frame to write. `live` (a terminal): redrawn in place from the top left, each line cleared
 * to its end — cursor moves a full-screen view needs even with `NO_COLOR`, which asks for no colours.
 * Otherwise plain lines.
 */
export function renderFrame(r: TopRows, title: string, size: ScreenSize, live: boolean): string {
  const lines = frameLines(r, title, size);
  if (!live) return `${lines.join('\n')}\n`;
  return `${ANSI.home}${lines.map((l) => `${l}${ANSI.clearLine}`).join('\r\n')}${ANSI.clearToEnd}`;
}
