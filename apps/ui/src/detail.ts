import type { ProcDetail } from '@wisp/protocol';
import { call, el } from './api.js';
import { machineSvg } from './machine.js';

/** What `/api/detail` adds to a `detail` reply: each open fd's file, from its file server. */
export interface OpenFile {
  fd: number;
  stream: string;
  path: string | null;
  mode?: string;
  offset?: number;
  size?: number;
  error?: string;
}

const STRATEGIES = ['flush', 'copy', 'precopy', 'lazy'];

/** One process: its machine with the current state, memory, residual hosts, open files; migrate and kill. */
export class DetailView {
  private pid: string | null = null;
  private timer: number | null = null;
  private hosts: string[] = [];
  private target = '';
  private strategy = 'flush';

  constructor(private readonly root: HTMLElement) {}

  get selected(): string | null {
    return this.pid;
  }

  /** Shows `pid`, refreshed every second while it stays selected. */
  select(pid: string): void {
    this.pid = pid;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = window.setInterval(() => void this.refresh(), 1000);
    void this.refresh();
  }

  /** Hosts a process may be sent to. */
  setHosts(ids: string[]): void {
    this.hosts = ids;
  }

  async refresh(): Promise<void> {
    const pid = this.pid;
    if (!pid) return;
    try {
      const d = await call<ProcDetail & { files: OpenFile[] }>(`/api/detail?pid=${encodeURIComponent(pid)}`);
      if (pid === this.pid) this.render(d);
    } catch (err) {
      if (pid !== this.pid) return;
      this.root.replaceChildren(el('h2', {}, pid), el('p', { class: 'hint' }, (err as Error).message));
      if (this.timer !== null) clearInterval(this.timer);
      this.timer = null;
    }
  }

  private render(d: ProcDetail & { files: OpenFile[] }): void {
    const MB = 1024 * 1024;
    const others = this.hosts.filter((h) => h !== d.host);
    if (!others.includes(this.target)) this.target = others[0] ?? '';
    const to = el('select', { id: 'migrate-to', 'aria-label': 'target host' }, ...others.map((h) => el('option', h === this.target ? { value: h, selected: '' } : { value: h }, h)));
    to.addEventListener('change', () => (this.target = to.value));
    const strategy = el('select', { id: 'migrate-strategy', 'aria-label': 'strategy' }, ...STRATEGIES.map((s) => el('option', s === this.strategy ? { value: s, selected: '' } : { value: s }, s)));
    strategy.addEventListener('change', () => (this.strategy = strategy.value));
    const migrate = el('button', { id: 'migrate' }, 'migrate');
    migrate.addEventListener('click', () => this.act(migrate, '/api/migrate', { pid: d.pid, to: to.value, strategy: strategy.value }));
    const kill = el('button', { id: 'kill', class: 'danger' }, 'kill');
    kill.addEventListener('click', () => this.act(kill, '/api/kill', { pid: d.pid, signal: 'TERM' }));
    const fact = (k: string, v: string) => [el('dt', {}, k), el('dd', {}, v)];
    this.root.replaceChildren(
      el('h2', {}, `${d.pid} `, el('small', {}, `${d.program}@${d.version}`)),
      el('div', { class: 'actions' }, migrate, ' to ', to, ' ', strategy, ' ', kill),
      el(
        'dl',
        { class: 'facts' },
        ...fact('runs on', d.host),
        ...fact('home', d.home),
        ...fact('state', `${d.state} — ${d.active.filter((a) => !d.active.some((b) => b.startsWith(`${a}.`))).join(', ') || '(none)'}`),
        ...fact('address space', `${(d.memory.bytes / MB).toFixed(2)} MB: ${d.memory.pages} pages, ${d.memory.resident} resident, ${d.memory.dirty} dirty`),
        ...fact('residual hosts', d.residual.length ? d.residual.join(', ') : 'none'),
        ...fact('transitions', `${d.transitions} (${d.faults} page faults here)`),
      ),
      el('h3', {}, 'Machine'),
      machineSvg(d.machine, d.active),
      el('h3', {}, 'Open files'),
      d.files.length === 0
        ? el('p', { class: 'hint' }, 'none besides the console (fds 0–2, at home)')
        : el(
            'table',
            { class: 'files' },
            el('thead', {}, el('tr', {}, el('th', {}, 'fd'), el('th', {}, 'path'), el('th', {}, 'mode'), el('th', {}, 'offset'), el('th', {}, 'size'), el('th', {}, 'stream'))),
            el('tbody', {}, ...d.files.map((f) => el('tr', {}, el('td', {}, String(f.fd)), el('td', {}, f.path ?? f.error ?? '(unlinked)'), el('td', {}, f.mode ?? ''), el('td', { class: 'num' }, String(f.offset ?? '')), el('td', { class: 'num' }, String(f.size ?? '')), el('td', {}, f.stream)))),
          ),
    );
  }

  private act(button: HTMLButtonElement, path: string, body: Record<string, unknown>): void {
    button.disabled = true;
    call(path, body)
      .catch((err: Error) => alert(err.message))
      .finally(() => {
        button.disabled = false;
        void this.refresh();
      });
  }
}
