/** One rule: a target, what it depends on, and the commands that make it (each a program invocation). */
export interface Rule {
  target: string;
  prereqs: string[];
  /** Each command split into words, automatic variables expanded: `[program, ...args]`. */
  commands: string[][];
  /** Line of the rule in the makefile. */
  line: number;
}

/** A parsed makefile. */
export interface Makefile {
  rules: Map<string, Rule>;
  /** The first target (the default goal), or null when there is none. */
  defaultGoal: string | null;
  vars: Record<string, string>;
}

/** A makefile that cannot be parsed: says where. */
export class MakefileError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`makefile:${line}: ${message}`);
    this.name = 'MakefileError';
  }
}

/**
 * Parses a makefile: `# comments`, `NAME = value` (and `:=`) variables used as `$(NAME)` or
 * `${NAME}`, rules `target…: prereq…` followed by tab-indented commands, line continuations with
 * `\`, and the automatic variables `$@` (target), `$<` (first prerequisite), `$^` (all).
 * `overrides` win over assignments, as `make NAME=value` does. Targets starting with `.` (such
 * as `.PHONY`) are ignored. A command is a Wisp program invocation: its words, split on blanks
 * (single or double quotes group words).
 */
export function parseMakefile(text: string, overrides: Record<string, string> = {}): Makefile {
  const vars: Record<string, string> = {};
  const rules = new Map<string, Rule>();
  let defaultGoal: string | null = null;
  let current: Rule[] = [];
  for (const { line, no } of logicalLines(text)) {
    if (line.startsWith('\t')) {
      const cmd = stripComment(line.slice(1)).trim();
      if (cmd === '') continue;
      if (current.length === 0) throw new MakefileError(no, 'command before the first rule');
      for (const r of current) {
        const words = splitWords(expand(cmd, vars, overrides, no, r), no);
        if (words.length > 0) r.commands.push(words);
      }
      continue;
    }
    const body = stripComment(line).trim();
    if (body === '') continue;
    const assign = /^([A-Za-z_][A-Za-z0-9_]*)\s*:?=\s*(.*)$/.exec(body);
    if (assign) {
      current = [];
      vars[assign[1]!] = expand(assign[2]!, vars, overrides, no, null).trim();
      continue;
    }
    const colon = body.indexOf(':');
    if (colon <= 0) throw new MakefileError(no, `expected a rule 'target: prerequisites' or 'NAME = value', got '${body}'`);
    const targets = expand(body.slice(0, colon), vars, overrides, no, null).split(/\s+/).filter(Boolean);
    const prereqs = expand(body.slice(colon + 1), vars, overrides, no, null).split(/\s+/).filter(Boolean);
    current = [];
    for (const target of targets) {
      if (target.startsWith('.')) continue;
      if (rules.has(target)) throw new MakefileError(no, `target '${target}' has two rules (first at line ${rules.get(target)!.line})`);
      const rule: Rule = { target, prereqs, commands: [], line: no };
      rules.set(target, rule);
      current.push(rule);
      defaultGoal ??= target;
    }
  }
  return { rules, defaultGoal, vars: { ...vars, ...overrides } };
}

/** Lines with `\` continuations joined, each with its first line number. */
function logicalLines(text: string): Array<{ line: string; no: number }> {
  const out: Array<{ line: string; no: number }> = [];
  const raw = text.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    const no = i + 1;
    let line = raw[i]!;
    while (line.endsWith('\\') && i + 1 < raw.length) line = `${line.slice(0, -1)} ${raw[++i]!.trimStart()}`;
    out.push({ line, no });
  }
  return out;
}

function stripComment(s: string): string {
  const i = s.indexOf('#');
  return i < 0 ? s : s.slice(0, i);
}

/** Expands `$(NAME)`, `${NAME}`, `$$` and, inside a rule's commands, `$@ $< $^`. */
function expand(s: string, vars: Record<string, string>, overrides: Record<string, string>, no: number, rule: Rule | null, depth = 0): string {
  if (depth > 16) throw new MakefileError(no, 'variables nest too deep (a loop?)');
  return s.replace(/\$(\(([^)]*)\)|\{([^}]*)\}|.|$)/g, (_m, what: string, paren?: string, brace?: string) => {
    const name = paren ?? brace;
    if (name !== undefined) {
      const v = overrides[name] ?? vars[name];
      return v === undefined ? '' : expand(v, vars, overrides, no, rule, depth + 1);
    }
    if (what === '$') return '$';
    if (rule && what === '@') return rule.target;
    if (rule && what === '<') return rule.prereqs[0] ?? '';
    if (rule && what === '^') return rule.prereqs.join(' ');
    throw new MakefileError(no, `unsupported '$${what}' (use $(NAME), $@, $< or $^)`);
  });
}

/** Splits a command into words on blanks; quotes group. */
function splitWords(s: string, no: number): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let inWord = false;
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new MakefileError(no, `unterminated ${quote} quote`);
  if (inWord) words.push(cur);
  return words;
}
