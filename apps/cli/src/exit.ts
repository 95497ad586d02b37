/**
 * The CLI's one way out. `process.exit` drops whatever stdout and stderr still hold in memory;
 * when they are pipes (`wisp fs cat /big | wc -c`) that is everything past the pipe's 64 KiB,
 * so every command leaves through {@link exitWhenWritten}, which waits for them first.
 */

/** The status a shell reports for a writer whose reader went away (128 + SIGPIPE). */
export const EXIT_BROKEN_PIPE = 141;

/** Resolves once everything written to `stream` so far has been handed to the OS, or the stream failed. */
export function written(stream: NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean }): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  // Writes complete in order: the callback of an empty write comes after all the writes before it.
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** Exits with `code` once stdout and stderr have written all they were given (however slow their readers). */
export async function exitWhenWritten(code: number): Promise<never> {
  process.exitCode = code;
  await Promise.all([written(process.stdout), written(process.stderr)]);
  process.exit(code);
}

/**
 * Makes a reader that stops reading (`wisp fs cat /big | head -1`) end the CLI quietly, as
 * SIGPIPE ends other Unix tools, instead of with an unhandled 'error' and a stack trace.
 */
export function exitOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
      throw err;
    });
  }
}
