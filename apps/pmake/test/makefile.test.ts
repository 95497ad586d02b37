import { describe, expect, it } from 'vitest';
import { JobGraph, MakefileError, parseMakefile } from '../src/index.js';

const text = `# a project
ROOT = /p
ROUNDS := 10
OBJS = $(ROOT)/a.o \\
       $(ROOT)/b.o

all: $(ROOT)/prog

$(ROOT)/prog: $(OBJS)
\tlink -o $@ $^   # link them

$(ROOT)/a.o: $(ROOT)/a.c $(ROOT)/h.h
\tcc $< -o $@ -r \${ROUNDS}
$(ROOT)/b.o: $(ROOT)/b.c
\tcc $< -o $@ -r $(ROUNDS)
\ttee "$(ROOT)/b log" 'two words'

.PHONY: all
`;

describe('makefile parser', () => {
  it('reads variables, rules, commands and automatic variables', () => {
    const mf = parseMakefile(text);
    expect(mf.defaultGoal).toBe('all');
    expect([...mf.rules.keys()]).toEqual(['all', '/p/prog', '/p/a.o', '/p/b.o']);
    expect(mf.rules.get('/p/prog')).toMatchObject({ prereqs: ['/p/a.o', '/p/b.o'], commands: [['link', '-o', '/p/prog', '/p/a.o', '/p/b.o']] });
    expect(mf.rules.get('/p/a.o')!.commands).toEqual([['cc', '/p/a.c', '-o', '/p/a.o', '-r', '10']]);
    expect(mf.rules.get('/p/b.o')!.commands).toEqual([
      ['cc', '/p/b.c', '-o', '/p/b.o', '-r', '10'],
      ['tee', '/p/b log', 'two words'],
    ]);
    expect(mf.rules.get('all')!.commands).toEqual([]);
  });

  it('overrides win over assignments, as make NAME=value', () => {
    const mf = parseMakefile(text, { ROOT: '/q', ROUNDS: '3' });
    expect(mf.rules.get('/q/a.o')!.commands[0]).toEqual(['cc', '/q/a.c', '-o', '/q/a.o', '-r', '3']);
  });

  it('says where a makefile is wrong', () => {
    expect(() => parseMakefile('\tcc a')).toThrow(MakefileError);
    expect(() => parseMakefile('x: y\n\tcc a\nnonsense here')).toThrow(/makefile:3: expected a rule/);
    expect(() => parseMakefile('x:\n\tcc "a')).toThrow(/makefile:2: unterminated/);
    expect(() => parseMakefile('x:\nx:\n')).toThrow(/two rules/);
    expect(() => parseMakefile('x:\n\tcc $%')).toThrow(/unsupported/);
  });
});

describe('job graph', () => {
  it('runs prerequisites first and lets independent jobs run together', () => {
    const g = new JobGraph(parseMakefile(text), ['all']);
    expect(g.order).toEqual(['/p/a.o', '/p/b.o', '/p/prog', 'all']);
    expect(g.ready()).toEqual(['/p/a.o', '/p/b.o']);
    g.start('/p/a.o');
    g.start('/p/b.o');
    expect(g.ready()).toEqual([]);
    g.finish('/p/a.o', true);
    expect(g.ready()).toEqual([]);
    g.finish('/p/b.o', true);
    expect(g.ready()).toEqual(['/p/prog']);
    g.start('/p/prog');
    g.finish('/p/prog', true);
    expect(g.ready()).toEqual(['all']);
    g.start('all');
    g.finish('all', true);
    expect(g.complete).toBe(true);
  });

  it('a failed job blocks what depends on it', () => {
    const g = new JobGraph(parseMakefile(text), ['/p/prog']);
    g.start('/p/a.o');
    g.finish('/p/a.o', false);
    expect(g.stateOf('/p/a.o')).toBe('failed');
    expect(g.ready()).toEqual(['/p/b.o']);
    g.start('/p/b.o');
    g.finish('/p/b.o', true);
    expect(g.ready()).toEqual([]);
    expect(g.complete).toBe(false);
  });

  it('finds missing rules and cycles', () => {
    expect(() => new JobGraph(parseMakefile('a: b\nb: a\n'), ['a'])).toThrow(/circular dependency a <- b <- a/);
    expect(() => new JobGraph(parseMakefile('a: b\n'), ['c'])).toThrow(/no rule to make target 'c'/);
    expect(() => new JobGraph(parseMakefile('a: b\n\tcc b\n'), ['a']).start('b')).toThrow();
  });
});
