import { describe, expect, test } from 'vitest';
import { ErrorCode } from '@wisp/protocol';
import { memFs } from '../../../packages/kernel/test/memFs.js';
import { SimCluster } from '../../../packages/kernel/test/simCluster.js';
import { exampleRegistry } from '../src/index.js';

function sim() {
  const m = memFs();
  return { s: new SimCluster({ hosts: ['h1', 'h2', 'h3'], registry: exampleRegistry(), fs: m.fs }), m };
}

const input = (s: SimCluster, pid: string, text: string, close = false) => s.call('h1', 'input', { pid, text, ...(close ? { close } : {}) });

// Console input (`stdin` at spawn, `input` requests to the home): `tee` copies it to a file and stdout.
describe('console input', () => {
  test('reads block until input comes, take it once and in order, and end at close; the same wherever it runs', () => {
    const { s, m } = sim();
    const p = s.spawn('h1', 'tee', ['/copy.txt'], { stdin: true });
    s.settle();
    expect(s.exitCode(p.tty)).toBeUndefined(); // waiting in its console read
    expect(input(s, p.pid, 'one\n').ok).toBe(true);
    s.settle();
    expect(s.output(p.tty)).toBe('one\n');
    // Moved while blocked in the read: the read is re-issued from the target.
    const moved = s.call('h1', 'migrate', { pid: p.pid, to: 'h2' });
    expect(moved.ok && (moved.value as { outcome: string }).outcome).toBe('committed');
    s.settle();
    expect(input(s, p.pid, 'two\n').ok).toBe(true);
    s.settle();
    expect(s.output(p.tty)).toBe('one\ntwo\n');
    // Input that comes before a read is kept for it.
    expect(input(s, p.pid, 'thr').ok).toBe(true);
    expect(input(s, p.pid, 'ee\n', true).ok).toBe(true);
    s.settle();
    expect(s.output(p.tty)).toBe('one\ntwo\nthree\n');
    expect(s.exitCode(p.tty)).toBe(0);
    expect(new TextDecoder().decode(m.files.get('/copy.txt'))).toBe('one\ntwo\nthree\n');
  });

  test('input the home answered to the host a process just left reaches it once, through the re-issued read', () => {
    const { s } = sim();
    const p = s.spawn('h1', 'tee', ['/copy.txt'], { stdin: true, on: 'h2' });
    s.settle();
    // The input is answered to h2's forwarded read while h2 moves the process to h3: the answer
    // arrives after the image left, and the read re-issued from h3 gets the same text.
    const moved = s.request(s.subject('h2', 'migrate'), { pid: p.pid, to: 'h3' });
    const sent = s.request(s.subject('h1', 'input'), { pid: p.pid, text: 'only once\n' });
    s.run();
    expect(sent.answer?.ok).toBe(true);
    expect(moved.answer?.ok && (moved.answer.value as { outcome: string }).outcome).toBe('committed');
    s.settle();
    expect(input(s, p.pid, '', true).ok).toBe(true);
    s.settle();
    expect(s.output(p.tty)).toBe('only once\n');
    expect(s.exitCode(p.tty)).toBe(0);
  });

  test('without stdin a console read is end of file; bad input gets an error and changes nothing', () => {
    const { s } = sim();
    const plain = s.spawn('h1', 'tee', ['/a.txt', 'args']);
    s.settle();
    expect(s.output(plain.tty)).toBe('args\n');
    expect(s.exitCode(plain.tty)).toBe(0);

    const p = s.spawn('h1', 'tee', ['/b.txt'], { stdin: true });
    s.settle();
    const code = (a: ReturnType<SimCluster['call']>) => (a.ok ? 'ok' : a.error.code);
    expect(code(input(s, 'h1-99', 'x'))).toBe(ErrorCode.ESRCH);
    expect(code(s.call('h2', 'input', { pid: p.pid, text: 'x' }))).toBe(ErrorCode.EINVAL); // not its home
    expect(code(s.call('h1', 'input', { pid: p.pid }))).toBe(ErrorCode.EINVAL);
    expect(code(s.call('h1', 'input', { pid: p.pid, text: 'x'.repeat((1 << 16) + 1) }))).toBe(ErrorCode.EINVAL);
    // Both on the network before the process runs again: the second finds the input closed.
    const last = s.request(s.subject('h1', 'input'), { pid: p.pid, text: 'kept\n', close: true });
    const late = s.request(s.subject('h1', 'input'), { pid: p.pid, text: 'late' });
    s.settle();
    expect(last.answer?.ok).toBe(true);
    expect(late.answer && code(late.answer)).toBe(ErrorCode.EINVAL);
    expect(s.output(p.tty)).toBe('kept\n');
    expect(s.exitCode(p.tty)).toBe(0);
    expect(code(input(s, p.pid, 'after exit'))).toBe(ErrorCode.ESRCH);
    const noStdin = s.spawn('h1', 'sleeper', ['100000']);
    expect(code(input(s, noStdin.pid, 'x'))).toBe(ErrorCode.EINVAL);
  });
});
