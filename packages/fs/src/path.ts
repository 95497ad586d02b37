import { ErrorCode, WispError } from '@wisp/protocol';

/** Longest path accepted, in UTF-8 bytes (Linux `PATH_MAX`). */
export const MAX_PATH_BYTES = 4096;
/** Longest name (one path segment) accepted, in UTF-8 bytes (Linux `NAME_MAX`). */
export const MAX_NAME_BYTES = 255;

const utf8 = new TextEncoder();

/**
 * Normalizes and validates a path of the shared namespace. A path is absolute; a trailing `/`
 * and `.` segments are dropped; empty segments (`//`), `..`, NUL and other control characters
 * are refused with `EINVAL` — `..` is refused rather than resolved so that a path names one
 * place without context, and a prefix table can never be escaped. Over-long paths or names get
 * `ENAMETOOLONG`.
 * @returns The normalized path, e.g. `/a/b` for `/a/./b/`.
 */
export function normalizePath(path: string): string {
  if (typeof path !== 'string' || path.length === 0) throw new WispError(ErrorCode.EINVAL, 'empty path');
  if (!path.startsWith('/')) throw new WispError(ErrorCode.EINVAL, `path '${show(path)}' is not absolute (it must start with /)`);
  // Checked on the raw string first, so a huge input costs no splitting.
  if (path.length > MAX_PATH_BYTES || utf8.encode(path).length > MAX_PATH_BYTES) {
    throw new WispError(ErrorCode.ENAMETOOLONG, `path is longer than ${MAX_PATH_BYTES} bytes`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) {
    const what = path.includes('\u0000') ? 'NUL' : 'a control character';
    throw new WispError(ErrorCode.EINVAL, `path '${show(path)}' contains ${what}`);
  }
  if (path === '/') return '/';
  const raw = (path.endsWith('/') ? path.slice(1, -1) : path.slice(1)).split('/');
  const out: string[] = [];
  for (const seg of raw) {
    if (seg === '') throw new WispError(ErrorCode.EINVAL, `path '${show(path)}' has an empty segment (//)`);
    if (seg === '..') throw new WispError(ErrorCode.EINVAL, `path '${show(path)}' contains '..'; use absolute paths without '..'`);
    if (seg === '.') continue;
    if (utf8.encode(seg).length > MAX_NAME_BYTES) {
      throw new WispError(ErrorCode.ENAMETOOLONG, `name '${show(seg)}' is longer than ${MAX_NAME_BYTES} bytes`);
    }
    out.push(seg);
  }
  return out.length === 0 ? '/' : `/${out.join('/')}`;
}

/** The names of a normalized path, root first: `/a/b` → `['a', 'b']`, `/` → `[]`. */
export function segments(normalized: string): string[] {
  return normalized === '/' ? [] : normalized.slice(1).split('/');
}

/** The parent of a normalized path (`/` is its own parent). */
export function parentOf(normalized: string): string {
  const i = normalized.lastIndexOf('/');
  return i <= 0 ? '/' : normalized.slice(0, i);
}

/** Joins a normalized directory and a name. */
export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** True when normalized `path` is `prefix` or lies under it (segment-wise: `/ab` is not under `/a`). */
export function isUnder(path: string, prefix: string): boolean {
  if (prefix === '/') return true;
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** A path shortened and escaped for an error message. */
function show(s: string): string {
  const cut = s.length > 80 ? `${s.slice(0, 77)}...` : s;
  return JSON.stringify(cut).slice(1, -1);
}
