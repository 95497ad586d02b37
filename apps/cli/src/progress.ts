import { escapesFor, type OutputStream } from './style.js';

/**
 * Progress of long work (a migration, a large file, a build) on one status line of stderr,
 * redrawn in place, only on a terminal: off one nothing is drawn and the command prints its one
 * final line as usual. Redraws are at most every 100 ms (and always the last state at the end).
 */
export interface ProgressLine {
  /** The work's state now. */
  update(text: string): void;
  /** Writes other output (`write` does it) above the status line, which is then drawn again. */
  above(write: () => void): void;
  /** Clears the line (the command then prints its result). */
  done(): void;
}

/** A {@link ProgressLine} on `stream` (stderr by default); does nothing off a terminal or with `NO_COLOR`. */
export function progressLine(stream: OutputStream & NodeJS.WritableStream = process.stderr, env: NodeJS.ProcessEnv = process.env, now: () => number = Date.now): ProgressLine {
  if (!escapesFor(stream, env)) return { update: () => undefined, above: (write) => write(), done: () => undefined };
  let shownAt = Number.NEGATIVE_INFINITY;
  let pending: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  let drawn = false;
  let last = '';
  const columns = () => (stream as { columns?: number }).columns ?? 80;
  const draw = () => {
    timer = null;
    if (pending === null) return;
    last = pending;
    stream.write(`\r${pending.slice(0, columns() - 1)}\x1b[K`);
    shownAt = now();
    pending = null;
    drawn = true;
  };
  return {
    update: (text) => {
      pending = text;
      const wait = shownAt + 100 - now();
      if (wait <= 0) draw();
      else timer ??= setTimeout(draw, wait);
    },
    above: (write) => {
      if (drawn) stream.write('\r\x1b[K');
      write();
      if (drawn) stream.write(`\r${last.slice(0, columns() - 1)}\x1b[K`);
    },
    done: () => {
      if (timer) clearTimeout(timer);
      timer = null;
      pending = null;
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/** `12.5/256.0 MiB (5%)`: done against total, in MiB. */
export function bytesOf(done: number, total: number): string {
  const mib = (n: number) => (n / (1 << 20)).toFixed(1);
  return `${mib(done)}/${mib(total)} MiB${total > 0 ? ` (${Math.floor((done * 100) / total)}%)` : ''}`;
}
