/**
 * The one place that decides whether output gets terminal escape codes (colours, bold, cursor
 * moves): only when it goes to a terminal and the user has not asked for none with `NO_COLOR`
 * (https://no-color.org: set to anything but the empty string). Otherwise plain text, so
 * `pnpm demo > log` and `wisp ps | grep` see no escape codes.
 */

/** Where text goes: a stream that may be a terminal. */
export interface OutputStream {
  isTTY?: boolean;
}

/** Whether text written to `stream` may carry escape codes. */
export function escapesFor(stream: OutputStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/** Text styles for one stream: escape codes when {@link escapesFor} allows them, the text unchanged otherwise. */
export interface Style {
  /** Whether this style writes escape codes. */
  readonly escapes: boolean;
  bold(text: string): string;
}

/** The {@link Style} for `stream` (stdout by default). */
export function styleFor(stream: OutputStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Style {
  const escapes = escapesFor(stream, env);
  // SGR 22 ends bold without resetting other attributes.
  return { escapes, bold: (text) => (escapes ? `\x1b[1m${text}\x1b[22m` : text) };
}
