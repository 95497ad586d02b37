import { describe, expect, test } from 'vitest';
import { checkScribe, checkTrace, numbersOf } from './history.js';

describe('nemesis history checker', () => {
  test('in order, each once: no problem; gaps counted', () => {
    expect(checkTrace('t', [1, 2, 4, 5])).toEqual({ seen: 4, last: 5, gaps: 1, problems: [] });
  });

  test('a step twice or out of order is a problem', () => {
    expect(checkTrace('t', [1, 2, 2]).problems).toEqual(['t: 2 after 2 (a step twice, or out of order)']);
    expect(checkTrace('t', [1, 3, 2]).problems).toHaveLength(1);
  });

  test('a scribe whose traces agree passes; one whose messages run ahead fails', () => {
    const text = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i + 1}\n`).join('');
    expect(checkScribe({ pid: 'h1-1', console: text('line ', 5), file: text('line ', 5), tally: text('got ', 4) }).problems).toEqual([]);
    expect(checkScribe({ pid: 'h1-1', console: text('line ', 2), file: text('line ', 2), tally: text('got ', 5) }).problems).toEqual(['h1-1: messages at 5 ahead of the file at 2']);
    expect(numbersOf('line 1\nnoise\nline 2\n', 'line ')).toEqual([1, 2]);
  });
});
