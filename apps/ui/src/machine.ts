import type { MachineOutline, StateOutline } from '@wisp/protocol';
import { svg } from './api.js';

interface Box {
  s: StateOutline;
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
  kids: Box[];
}

const LEAF_H = 30;
const PAD = 10;
const HEAD = 20;
const COLS = 3;

/**
 * A program's machine drawn from its definition, as the Stately inspector does: each state a box
 * (children inside their parent, laid out in rows), the active ones highlighted, the initial one
 * marked, transitions as arrows labelled with their events.
 */
export function machineSvg(m: MachineOutline, active: readonly string[]): SVGElement {
  const byParent = new Map<string | null, StateOutline[]>();
  for (const s of m.states) byParent.set(s.parent, [...(byParent.get(s.parent) ?? []), s]);
  const root = m.states.find((s) => s.parent === null)!;
  const tree = measure(root, byParent, m.id);
  place(tree, 0, 0);
  const boxes = new Map<string, Box>();
  const walk = (b: Box) => (boxes.set(b.s.path, b), b.kids.forEach(walk));
  walk(tree);
  const on = new Set(active);
  const parts: SVGElement[] = [
    svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#667' }))),
  ];
  const draw = (b: Box) => {
    const cls = `state ${b.s.type}${on.has(b.s.path) ? ' active' : ''}${b.s.path === '' ? ' root' : ''}`;
    parts.push(svg('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 6, class: cls, 'data-state': b.s.path }));
    const ty = b.kids.length > 0 ? b.y + 14 : b.y + b.h / 2 + 4;
    parts.push(svg('text', { x: b.x + (b.kids.length > 0 ? 8 : b.w / 2), y: ty, 'text-anchor': b.kids.length > 0 ? 'start' : 'middle', class: `statelabel${on.has(b.s.path) ? ' active' : ''}` }, b.label));
    if (b.s.initial) parts.push(svg('circle', { cx: b.x - 1, cy: b.y + 8, r: 4, class: 'initial' }));
    if (b.s.type === 'final') parts.push(svg('rect', { x: b.x + 3, y: b.y + 3, width: b.w - 6, height: b.h - 6, rx: 4, class: 'finalring' }));
    b.kids.forEach(draw);
  };
  draw(tree);
  const edges = new Map<string, { a: Box; b: Box; events: Set<string> }>();
  for (const t of m.transitions) {
    const a = boxes.get(t.from);
    const b = t.to === null ? undefined : boxes.get(t.to);
    if (!a || !b || a === b) continue;
    const key = `${t.from}→${t.to}`;
    const e = edges.get(key) ?? { a, b, events: new Set<string>() };
    e.events.add(t.event.replace(/^xstate\.after\.(\d+)\..*/, 'after $1 ms'));
    edges.set(key, e);
  }
  for (const { a, b, events } of edges.values()) {
    const [x1, y1] = edge(a, b);
    const [x2, y2] = edge(b, a);
    parts.push(svg('line', { x1, y1, x2, y2, class: 'transition', 'marker-end': 'url(#arrow)' }));
    const label = [...events].join(', ');
    parts.push(svg('text', { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 3, 'text-anchor': 'middle', class: 'eventlabel' }, label.length > 24 ? `${label.slice(0, 23)}…` : label));
  }
  return svg('svg', { viewBox: `-8 -4 ${tree.w + 16} ${tree.h + 8}`, class: 'machine', role: 'img', 'aria-label': `state machine ${m.id}` }, ...parts);
}

function measure(s: StateOutline, byParent: Map<string | null, StateOutline[]>, rootLabel: string): Box {
  const label = s.path === '' ? rootLabel : s.path.slice(s.path.lastIndexOf('.') + 1);
  const kids = (byParent.get(s.path) ?? []).filter((k) => k.path !== s.path).map((k) => measure(k, byParent, rootLabel));
  if (kids.length === 0) return { s, label, x: 0, y: 0, w: Math.max(84, label.length * 7 + 20), h: LEAF_H, kids };
  let w = 0;
  let h = HEAD;
  for (let i = 0; i < kids.length; i += COLS) {
    const row = kids.slice(i, i + COLS);
    w = Math.max(w, row.reduce((n, k) => n + k.w, 0) + PAD * (row.length + 1));
    h += Math.max(...row.map((k) => k.h)) + PAD * 3;
  }
  return { s, label, x: 0, y: 0, w: Math.max(w, label.length * 7 + 20), h, kids };
}

/** Places a box at (x, y) and its children in rows inside it, spaced so arrows have room. */
function place(b: Box, x: number, y: number): void {
  b.x = x;
  b.y = y;
  let cy = y + HEAD + PAD;
  for (let i = 0; i < b.kids.length; i += COLS) {
    const row = b.kids.slice(i, i + COLS);
    let cx = x + PAD;
    for (const k of row) {
      place(k, cx, cy);
      cx += k.w + PAD;
    }
    cy += Math.max(...row.map((k) => k.h)) + PAD * 3;
  }
}

/** Where the line from `a`'s centre towards `b`'s centre leaves `a`'s box. */
function edge(a: Box, b: Box): [number, number] {
  const ax = a.x + a.w / 2;
  const ay = a.y + a.h / 2;
  const dx = b.x + b.w / 2 - ax;
  const dy = b.y + b.h / 2 - ay;
  const t = Math.min(dx === 0 ? Infinity : a.w / 2 / Math.abs(dx), dy === 0 ? Infinity : a.h / 2 / Math.abs(dy));
  return [ax + dx * t, ay + dy * t];
}
