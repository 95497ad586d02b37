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
const HEAD = 22;
/** Room between ranks for arrows and their labels. */
const GAP = 56;
/**
 * A program's machine drawn from its definition, as the Stately inspector does: each state a box,
 * children inside their parent in columns by how many transitions they are from its initial
 * state, the active ones highlighted, the initial one marked, transitions as arrows labelled with
 * their events (forward ones straight, those going back as curves).
 */
export function machineSvg(m: MachineOutline, active: readonly string[]): SVGElement {
  const byParent = new Map<string | null, StateOutline[]>();
  for (const s of m.states) byParent.set(s.parent, [...(byParent.get(s.parent) ?? []), s]);
  const root = m.states.find((s) => s.parent === null)!;
  const tree = measure(root, byParent, m.id, m.transitions);
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
    const text = [...events].join(', ');
    const label = text.length > 22 ? `${text.slice(0, 21)}…` : text;
    // Forward (a later column) or within a column: a straight arrow.
    if (b.x > a.x + a.w / 2 || (Math.abs(b.x - a.x) < 1 && b.y !== a.y)) {
      const [x1, y1] = edge(a, b);
      const [x2, y2] = edge(b, a);
      parts.push(svg('line', { x1, y1, x2, y2, class: 'transition', 'marker-end': 'url(#arrow)' }));
      parts.push(svg('text', { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 4, 'text-anchor': 'middle', class: 'eventlabel' }, label));
    } else {
      // Back (or sideways): from the bottom of one box to the bottom of the other, bowed below.
      const x1 = a.x + a.w / 2;
      const y1 = a.y + a.h;
      const x2 = b.x + b.w / 2 + (b === a ? 10 : 0);
      const y2 = b.y + b.h;
      const cy = Math.max(y1, y2) + 26 + Math.abs(x1 - x2) / 8;
      parts.push(svg('path', { d: `M${x1},${y1} C${x1},${cy} ${x2},${cy} ${x2},${y2}`, class: 'transition back', fill: 'none', 'marker-end': 'url(#arrow)' }));
      parts.push(svg('text', { x: (x1 + x2) / 2, y: cy - 4, 'text-anchor': 'middle', class: 'eventlabel' }, label));
    }
  }
  return svg('svg', { viewBox: `-8 -4 ${tree.w + 16} ${tree.h + 40}`, class: 'machine', role: 'img', 'aria-label': `state machine ${m.id}` }, ...parts);
}

/** The child of `parent` that holds `path` (itself or an ancestor), or null. */
function childOf(parent: string, path: string): string | null {
  if (parent === '') return path === '' ? null : path.split('.')[0]!;
  if (!path.startsWith(`${parent}.`)) return null;
  return `${parent}.${path.slice(parent.length + 1).split('.')[0]}`;
}

/**
 * Sizes a box and lays its children out in columns: column n holds the children n transitions
 * from the initial one (breadth-first over transitions between them); unreachable ones last.
 */
function measure(s: StateOutline, byParent: Map<string | null, StateOutline[]>, rootLabel: string, transitions: MachineOutline['transitions']): Box {
  const label = s.path === '' ? rootLabel : s.path.slice(s.path.lastIndexOf('.') + 1);
  const kids = (byParent.get(s.path) ?? []).filter((k) => k.path !== s.path).map((k) => measure(k, byParent, rootLabel, transitions));
  if (kids.length === 0) return { s, label, x: 0, y: 0, w: Math.max(76, label.length * 7 + 20), h: LEAF_H, kids };
  const rank = new Map<string, number>();
  const next = new Map<string, Set<string>>();
  for (const t of transitions) {
    const a = t.to === null ? null : childOf(s.path, t.from);
    const b = t.to === null ? null : childOf(s.path, t.to);
    if (a && b && a !== b) next.set(a, (next.get(a) ?? new Set()).add(b));
  }
  const first = kids.find((k) => k.s.initial) ?? kids[0]!;
  const queue = [first.s.path];
  rank.set(first.s.path, 0);
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const b of next.get(at) ?? []) if (!rank.has(b)) (rank.set(b, rank.get(at)! + 1), queue.push(b));
  }
  const last = Math.max(...rank.values()) + 1;
  const columns: Box[][] = [];
  for (const k of kids) (columns[rank.get(k.s.path) ?? last] ??= []).push(k);
  const cols = columns.filter((c) => c !== undefined);
  // Children are placed relative to this box now and moved with it by `place`.
  let x = PAD;
  let h = 0;
  for (const col of cols) {
    let y = HEAD;
    for (const k of col) {
      k.x = x;
      k.y = y;
      y += k.h + PAD * 2;
    }
    x += Math.max(...col.map((k) => k.w)) + GAP;
    h = Math.max(h, y);
  }
  return { s, label, x: 0, y: 0, w: Math.max(x - GAP + PAD, label.length * 7 + 20), h: h + 24, kids };
}

/** Places a box at (x, y), its children at their offsets inside it. */
function place(b: Box, x: number, y: number): void {
  for (const k of b.kids) place(k, x + k.x, y + k.y);
  b.x = x;
  b.y = y;
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
