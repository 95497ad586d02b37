import type { ProcInfo } from '@wisp/protocol';
import type { UiHost } from '../../cli/src/ui/bridge.js';
import { call, el } from './api.js';

/** How long a move between hosts takes on the page, ms. */
const MOVE_MS = 600;

/**
 * The hosts side by side, each with the processes it runs. Process cards are kept by pid, so a
 * process that changes host is the same element moved — animated from where it was (FLIP).
 */
export class HostsView {
  private readonly cards = new Map<string, HTMLElement>();
  private readonly columns = new Map<string, { col: HTMLElement; list: HTMLElement; meta: HTMLElement }>();

  constructor(
    private readonly root: HTMLElement,
    private readonly onSelect: (pid: string) => void,
  ) {}

  render(hosts: UiHost[], procs: ProcInfo[], selected: string | null): void {
    for (const h of hosts) this.column(h);
    for (const [id, c] of this.columns) if (!hosts.some((h) => h.id === id)) (c.col.remove(), this.columns.delete(id));
    const before = new Map<string, DOMRect>();
    for (const [pid, card] of this.cards) before.set(pid, card.getBoundingClientRect());
    const live = new Set<string>();
    for (const p of procs) {
      const col = this.columns.get(p.host);
      if (!col) continue;
      live.add(p.pid);
      const card = this.card(p);
      card.classList.toggle('selected', p.pid === selected);
      if (card.parentElement !== col.list) col.list.append(card);
    }
    for (const [pid, card] of this.cards) if (!live.has(pid)) (card.remove(), this.cards.delete(pid));
    for (const [pid, card] of this.cards) {
      const was = before.get(pid);
      if (!was) continue;
      const now = card.getBoundingClientRect();
      const dx = was.left - now.left;
      const dy = was.top - now.top;
      if (Math.abs(dx) > 30) card.animate([{ transform: `translate(${dx}px, ${dy}px)`, boxShadow: '0 0 0 3px #f5b400' }, { transform: 'none', boxShadow: '0 0 0 0 #f5b400' }], { duration: MOVE_MS, easing: 'ease-in-out' });
    }
    for (const h of hosts) {
      const c = this.columns.get(h.id)!;
      const here = procs.filter((p) => p.host === h.id);
      const n = here.length;
      const foreign = here.filter((p) => p.home !== h.id).length;
      c.meta.textContent = h.absent ? h.absent : `${n} process${n === 1 ? '' : 'es'}, ${foreign} foreign${h.clockSkewMs ? `, clock ${h.clockSkewMs > 0 ? '+' : ''}${h.clockSkewMs} ms` : ''}`;
      c.col.classList.toggle('absent', Boolean(h.absent));
    }
  }

  private column(h: UiHost) {
    let c = this.columns.get(h.id);
    if (c) return c;
    const meta = el('div', { class: 'meta' });
    const list = el('ul', { class: 'procs' });
    const evict = el('button', { class: 'evict', title: `send every foreign process on ${h.id} home` }, 'evict');
    evict.addEventListener('click', () => {
      evict.disabled = true;
      call('/api/evict', { host: h.id })
        .catch((err: Error) => alert(err.message))
        .finally(() => (evict.disabled = false));
    });
    const col = el('div', { class: 'host', 'data-host': h.id }, el('div', { class: 'hosthead' }, el('h3', {}, h.id), evict), meta, list);
    const after = [...this.columns.keys()].find((id) => id.localeCompare(h.id, undefined, { numeric: true }) > 0);
    this.root.insertBefore(col, after ? this.columns.get(after)!.col : null);
    c = { col, list, meta };
    this.columns.set(h.id, c);
    return c;
  }

  private card(p: ProcInfo): HTMLElement {
    let card = this.cards.get(p.pid);
    if (!card) {
      card = el('li', { class: 'proc', tabindex: '0' });
      card.addEventListener('click', () => this.onSelect(p.pid));
      this.cards.set(p.pid, card);
    }
    card.dataset.pid = p.pid;
    card.dataset.host = p.host;
    card.className = `proc ${p.state}${p.host !== p.home ? ' foreign' : ''}${card.classList.contains('selected') ? ' selected' : ''}`;
    card.replaceChildren(
      el('span', { class: 'pid' }, p.pid),
      el('span', { class: 'program' }, p.program),
      el('span', { class: 'state' }, p.state),
      ...(p.host !== p.home ? [el('span', { class: 'home', title: 'home host' }, `home ${p.home}`)] : []),
      ...(p.residual?.length ? [el('span', { class: 'residual', title: 'residual dependency' }, `needs ${p.residual.join(' ')}`)] : []),
    );
    return card;
  }
}
