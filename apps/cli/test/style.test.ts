import { describe, expect, it } from 'vitest';
import { table } from '../src/format.js';
import { escapesFor, styleFor } from '../src/style.js';

describe('escape codes: only on a terminal, never with NO_COLOR', () => {
  it('decides from isTTY and NO_COLOR', () => {
    expect(escapesFor({ isTTY: true }, {})).toBe(true);
    expect(escapesFor({ isTTY: false }, {})).toBe(false);
    expect(escapesFor({}, {})).toBe(false);
    expect(escapesFor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    // no-color.org: an empty NO_COLOR is as if unset.
    expect(escapesFor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
  });

  it('styles text only when escapes are allowed', () => {
    expect(styleFor({ isTTY: true }, {}).bold('x')).toBe('\x1b[1mx\x1b[22m');
    expect(styleFor({ isTTY: false }, {}).bold('x')).toBe('x');
    expect(styleFor({ isTTY: true }, { NO_COLOR: 'yes' }).bold('x')).toBe('x');
  });

  it('a table has a bold header on a terminal and is plain text otherwise', () => {
    const rows = [['h1-1', 'counter']];
    expect(table(['PID', 'PROGRAM'], rows, styleFor({ isTTY: false }, {}))).toBe('PID   PROGRAM\nh1-1  counter\n');
    expect(table(['PID', 'PROGRAM'], rows, styleFor({ isTTY: true }, {}))).toBe('\x1b[1mPID   PROGRAM\x1b[22m\nh1-1  counter\n');
  });
});
