import { describe, expect, it } from 'vitest';
import { bytesOf, progressLine } from '../src/progress.js';

/** A stream that records what is written, a terminal or not. */
function fakeStream(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, columns: 40, write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WriteStream };
}

describe('progress line', () => {
  it('on a terminal: drawn in place, at most every 100 ms, cleared at the end', () => {
    const { out, stream } = fakeStream(true);
    let t = 1000;
    const line = progressLine(stream, {}, () => t);
    line.update('1/3');
    line.update('2/3'); // within 100 ms: held
    expect(out).toEqual(['\r1/3\x1b[K']);
    t += 150;
    line.update('3/3');
    expect(out.at(-1)).toBe('\r3/3\x1b[K');
    line.above(() => out.push('a log line\n'));
    expect(out.slice(-3)).toEqual(['\r\x1b[K', 'a log line\n', '\r3/3\x1b[K']);
    line.done();
    expect(out.at(-1)).toBe('\r\x1b[K');
  });

  it('cuts to the terminal width', () => {
    const { out, stream } = fakeStream(true);
    progressLine(stream, {}, () => 0).update('x'.repeat(100));
    expect(out[0]).toBe(`\r${'x'.repeat(39)}\x1b[K`);
  });

  it('off a terminal, or with NO_COLOR, writes nothing of its own', () => {
    for (const [tty, env] of [[false, {}], [true, { NO_COLOR: '1' }]] as const) {
      const { out, stream } = fakeStream(tty);
      const line = progressLine(stream, env, () => 0);
      line.update('1/3');
      line.above(() => out.push('log\n'));
      line.done();
      expect(out).toEqual(['log\n']);
    }
  });

  it('bytes against the total in MiB with a percentage', () => {
    expect(bytesOf(3 << 20, 12 << 20)).toBe('3.0/12.0 MiB (25%)');
  });
});
