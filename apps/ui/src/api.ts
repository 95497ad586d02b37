/** The buttons' actions and the detail view: JSON over the `wisp ui` server, which calls the client API. */
export async function call<T = unknown>(path: string, body?: Record<string, unknown>): Promise<T> {
  const res = await fetch(path, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {});
  const r = (await res.json()) as { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
  if (!r.ok) throw new Error(`${r.error.message} (${r.error.code})`);
  return r.value;
}

/** Builds an element with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

const SVG = 'http://www.w3.org/2000/svg';

/** Builds an SVG element with attributes and children. */
export function svg(tag: string, attrs: Record<string, string | number> = {}, ...children: Array<Node | string>): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  e.append(...children);
  return e;
}

/** Strategy colours, shared by the table and the chart. */
export const STRATEGY_COLOURS: Record<string, string> = { flush: '#2f7de1', copy: '#d9534f', precopy: '#e0a100', lazy: '#3aa35b' };
