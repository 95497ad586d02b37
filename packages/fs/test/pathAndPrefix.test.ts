import { describe, expect, it } from 'vitest';
import { WispError } from '@wisp/protocol';
import { PrefixTable, isUnder, normalizePath, parentOf } from '../src/index.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof WispError ? err.code : `not a WispError: ${String(err)}`;
  }
  return 'no error';
}

describe('normalizePath', () => {
  it('normalizes trailing slashes and . segments', () => {
    expect(normalizePath('/')).toBe('/');
    expect(normalizePath('/a/b/')).toBe('/a/b');
    expect(normalizePath('/a/./b')).toBe('/a/b');
    expect(normalizePath('/.')).toBe('/');
    expect(normalizePath('/ünï cödé')).toBe('/ünï cödé');
  });

  it('refuses what does not name one place, with clear messages', () => {
    expect(code(() => normalizePath(''))).toBe('EINVAL');
    expect(code(() => normalizePath('a/b'))).toBe('EINVAL');
    expect(code(() => normalizePath('/a/../b'))).toBe('EINVAL');
    expect(code(() => normalizePath('/..'))).toBe('EINVAL');
    expect(code(() => normalizePath('/a//b'))).toBe('EINVAL');
    expect(code(() => normalizePath('//'))).toBe('EINVAL');
    expect(code(() => normalizePath('/a\u0000'))).toBe('EINVAL');
    expect(code(() => normalizePath('/a\nb'))).toBe('EINVAL');
    expect(() => normalizePath('/a/../b')).toThrow(/contains '\.\.'/);
    expect(() => normalizePath('/a\u0000')).toThrow(/NUL/);
  });

  it('limits names to 255 bytes and paths to 4096', () => {
    expect(normalizePath(`/${'a'.repeat(255)}`)).toHaveLength(256);
    expect(code(() => normalizePath(`/${'a'.repeat(256)}`))).toBe('ENAMETOOLONG');
    expect(code(() => normalizePath(`/${'é'.repeat(128)}`))).toBe('ENAMETOOLONG');
    expect(code(() => normalizePath(`/${'a/'.repeat(2048)}`))).toBe('ENAMETOOLONG');
  });

  it('parents and prefixes go by segments', () => {
    expect(parentOf('/a/b')).toBe('/a');
    expect(parentOf('/a')).toBe('/');
    expect(isUnder('/scratch/x', '/scratch')).toBe(true);
    expect(isUnder('/scratchy', '/scratch')).toBe(false);
    expect(isUnder('/anything', '/')).toBe(true);
  });
});

describe('PrefixTable', () => {
  it('resolves by the longest prefix, whole segments only, / by default', () => {
    const t = PrefixTable.parse(' /=fs1, /scratch=fs2 ,/scratch/deep=fs3');
    expect(t.resolve('/a/b')).toEqual({ server: 'fs1', path: '/a/b' });
    expect(t.resolve('/scratch')).toEqual({ server: 'fs2', path: '/scratch' });
    expect(t.resolve('/scratch/x/')).toEqual({ server: 'fs2', path: '/scratch/x' });
    expect(t.resolve('/scratchy')).toEqual({ server: 'fs1', path: '/scratchy' });
    expect(t.resolve('/scratch/deep/x')).toEqual({ server: 'fs3', path: '/scratch/deep/x' });
    expect(t.servers().sort()).toEqual(['fs1', 'fs2', 'fs3']);
    expect(t.prefixesOf('fs2')).toEqual(['/scratch']);
    expect(PrefixTable.parse(t.toString()).entries).toEqual(t.entries);
  });

  it('every host builds the same table from the same spec, in any order', () => {
    const a = PrefixTable.parse('/=fs1,/scratch=fs2');
    const b = PrefixTable.parse('/scratch=fs2,/=fs1');
    for (const p of ['/', '/x', '/scratch/y', '/scratchy']) expect(a.resolve(p)).toEqual(b.resolve(p));
  });

  it('refuses bad specs and paths nobody serves', () => {
    expect(code(() => PrefixTable.parse(''))).toBe('EINVAL');
    expect(code(() => PrefixTable.parse('/=fs1,/=fs2'))).toBe('EINVAL');
    expect(code(() => PrefixTable.parse('/=fs.1'))).toBe('EINVAL');
    expect(code(() => PrefixTable.parse('/a/../b=fs1'))).toBe('EINVAL');
    expect(code(() => PrefixTable.parse('fs1'))).toBe('EINVAL');
    expect(code(() => PrefixTable.parse('/scratch=fs2').resolve('/home'))).toBe('ENOENT');
    expect(code(() => PrefixTable.single('fs1').resolve('/a/../b'))).toBe('EINVAL');
  });
});
