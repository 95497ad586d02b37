/**
 * Argument parsing shared by the example programs. Programs get `args` as strings (like argv
 * without the program name); a bad argument becomes a usage error the program reports on
 * stderr before exiting with {@link USAGE_EXIT_CODE}.
 */

/** Exit code of a program given bad arguments (as shells use for usage errors). */
export const USAGE_EXIT_CODE = 2;

/** Parsed arguments, or the first problem found. */
export interface Parsed<T> {
  values: T;
  /** A one-line message for stderr, or null when every argument was fine. */
  error: string | null;
}

/** One positional argument's spec. */
export type ArgSpec =
  | { name: string; kind: 'int'; default: number; min?: number; max?: number }
  | { name: string; kind: 'string'; default: string | null };

type ValueOf<S extends ArgSpec> = S extends { kind: 'int' } ? number : string | null;

/**
 * Parses positional `args` against `specs`. Missing arguments take their defaults; extra
 * arguments and non-integers are errors (never silently replaced by defaults).
 */
export function parseArgs<const Specs extends readonly ArgSpec[]>(
  program: string,
  args: readonly string[],
  specs: Specs,
): Parsed<{ [K in Specs[number] as K['name']]: ValueOf<K> }> {
  const values: Record<string, unknown> = {};
  let error: string | null = null;
  const usage = `usage: ${program} ${specs.map((s) => `[${s.name}=${s.default ?? ''}]`).join(' ')}`.trimEnd();
  if (args.length > specs.length) error = `${program}: too many arguments\n${usage}`;
  specs.forEach((spec, i) => {
    const raw = args[i];
    if (spec.kind === 'string') {
      values[spec.name] = raw === undefined || raw === '' ? spec.default : raw;
      return;
    }
    if (raw === undefined || raw === '') {
      values[spec.name] = spec.default;
      return;
    }
    const n = /^-?[0-9]+$/.test(raw) ? Number(raw) : NaN;
    const min = spec.min ?? 0;
    const max = spec.max ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      error ??= `${program}: ${spec.name} must be an integer from ${min} to ${max}, got '${raw}'\n${usage}`;
      values[spec.name] = spec.default;
    } else {
      values[spec.name] = n;
    }
  });
  return { values: values as never, error };
}
