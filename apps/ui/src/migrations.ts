import type { UiMigration } from '../../cli/src/ui/bridge.js';
import { STRATEGY_COLOURS, el, svg } from './api.js';

/** Rows shown in the table (newest first); the chart plots every record the page has. */
const ROWS = 100;
const MB = 1024 * 1024;

/** The migration records: a table and a chart of freeze time against size, one colour per strategy. */
export class MigrationsView {
  private readonly records: UiMigration[] = [];

  constructor(
    private readonly table: HTMLTableSectionElement,
    private readonly chart: SVGSVGElement,
  ) {}

  /** Adds records (newest last); `fresh`: they are all there is (the stream began again). */
  add(rs: UiMigration[], fresh = false): void {
    if (fresh) {
      this.records.length = 0;
      this.table.replaceChildren();
    }
    this.records.push(...rs);
    if (this.records.length > 500) this.records.splice(0, this.records.length - 500);
    for (const r of rs) {
      const mb = (r.bytes / MB).toFixed(2);
      const row = el(
        'tr',
        { class: r.outcome, 'data-pid': r.pid },
        el('td', {}, r.pid),
        el('td', {}, `${r.from} → ${r.to}`),
        el('td', {}, el('span', { class: 'dot', style: `background:${STRATEGY_COLOURS[r.strategy] ?? '#888'}` }), r.strategy),
        el('td', { class: 'num' }, r.freezeMs.toFixed(2)),
        el('td', { class: 'num' }, String(r.pages)),
        el('td', { class: 'num' }, mb),
        el('td', { title: r.error?.message ?? '' }, r.outcome),
      );
      this.table.prepend(row);
    }
    while (this.table.rows.length > ROWS) this.table.deleteRow(-1);
    this.draw();
  }

  /** Freeze ms (y) against the process's size in MB (x; bytes moved when its size is unknown). */
  private draw(): void {
    const W = 420;
    const H = 220;
    const L = 44;
    const B = 30;
    const pts = this.records.filter((r) => r.outcome === 'committed').map((r) => ({ x: (r.size ?? r.bytes) / MB, y: r.freezeMs, s: r.strategy }));
    const maxX = nice(Math.max(1, ...pts.map((p) => p.x)));
    const maxY = nice(Math.max(1, ...pts.map((p) => p.y)));
    const X = (v: number) => L + (v / maxX) * (W - L - 10);
    const Y = (v: number) => H - B - (v / maxY) * (H - B - 24);
    const parts: SVGElement[] = [];
    for (let i = 0; i <= 4; i++) {
      const vx = (maxX * i) / 4;
      const vy = (maxY * i) / 4;
      parts.push(svg('line', { x1: X(vx), y1: H - B, x2: X(vx), y2: 24, class: 'grid' }), svg('text', { x: X(vx), y: H - B + 14, 'text-anchor': 'middle', class: 'tick' }, fmt(vx)));
      parts.push(svg('line', { x1: L, y1: Y(vy), x2: W - 10, y2: Y(vy), class: 'grid' }), svg('text', { x: L - 4, y: Y(vy) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(vy)));
    }
    parts.push(svg('text', { x: (W + L) / 2, y: H - 2, 'text-anchor': 'middle', class: 'axis' }, 'address space, MB'));
    parts.push(svg('text', { x: 4, y: 14, class: 'axis' }, 'freeze ms'));
    let lx = 120;
    for (const [s, c] of Object.entries(STRATEGY_COLOURS)) {
      parts.push(svg('circle', { cx: lx, cy: 10, r: 4, fill: c }), svg('text', { x: lx + 7, y: 14, class: 'tick' }, s));
      lx += 70;
    }
    for (const p of pts) parts.push(svg('circle', { cx: X(p.x), cy: Y(p.y), r: 3.5, fill: STRATEGY_COLOURS[p.s] ?? '#888', 'fill-opacity': 0.75, 'data-strategy': p.s }, svg('title', {}, `${p.s}: ${fmt(p.x)} MB, ${p.y} ms`)));
    this.chart.replaceChildren(...parts);
  }
}

/** A round upper bound for an axis. */
function nice(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  return v >= 10 ? String(Math.round(v)) : v >= 1 ? v.toFixed(1) : v.toFixed(2);
}
