/**
 * The nemesis test's history checker: what one `scribe` left in its three traces (console,
 * file, its `tally` peer) must show each numbered step at most once and in order, whatever the
 * faults; gaps are counted (a step can be lost only with a host that died holding the process,
 * or a line the NATS server took with it when killed).
 */

/** One trace's verdict: the numbers seen, gaps, and what breaks the rule. */
export interface TraceCheck {
  seen: number;
  last: number;
  gaps: number;
  problems: string[];
}

/** The numbers in `text`'s lines that start with `prefix` (`line `, `got `), in order. */
export function numbersOf(text: string, prefix: string): number[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => Number(l.slice(prefix.length)));
}

/** Checks that `ns` is strictly increasing (each at most once, in order); counts the gaps. */
export function checkTrace(name: string, ns: number[]): TraceCheck {
  const problems: string[] = [];
  let gaps = 0;
  let prev = 0;
  for (const n of ns) {
    if (!Number.isInteger(n) || n <= prev) problems.push(`${name}: ${n} after ${prev} (a step twice, or out of order)`);
    else gaps += n - prev - 1;
    prev = Math.max(prev, Number.isInteger(n) ? n : prev);
  }
  return { seen: ns.length, last: prev, gaps, problems };
}

/** Everything one scribe left behind. */
export interface ScribeHistory {
  pid: string;
  console: string;
  file: string;
  tally: string;
}

/** The three traces of one scribe, checked. */
export function checkScribe(h: ScribeHistory): { console: TraceCheck; file: TraceCheck; messages: TraceCheck; problems: string[] } {
  const console = checkTrace(`${h.pid} console`, numbersOf(h.console, 'line '));
  const file = checkTrace(`${h.pid} file`, numbersOf(h.file, 'line '));
  const messages = checkTrace(`${h.pid} messages`, numbersOf(h.tally, 'got '));
  const problems = [...console.problems, ...file.problems, ...messages.problems];
  // Each step prints, then appends, then sends: a later trace never runs ahead of an earlier one.
  if (file.last > console.last + 1) problems.push(`${h.pid}: file at ${file.last} ahead of the console at ${console.last}`);
  if (messages.last > file.last + 1) problems.push(`${h.pid}: messages at ${messages.last} ahead of the file at ${file.last}`);
  return { console, file, messages, problems };
}
