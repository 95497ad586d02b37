import { ErrorCode, WispError } from './errors.js';

/** A process id: `<home host>-<n>`. It is a valid NATS subject token and never changes. */
export type Pid = string;

const hostIdPattern = /^[A-Za-z0-9_]{1,64}$/;
const pidPattern = /^([A-Za-z0-9_]{1,64})-([0-9]{1,15})$/;

/** True when `id` can name a host (letters, digits, underscore; it must not contain `-`). */
export function isHostId(id: string): boolean {
  return hostIdPattern.test(id);
}

/** Throws `EINVAL` unless `id` is a valid host id. */
export function assertHostId(id: string): string {
  if (!isHostId(id)) throw new WispError(ErrorCode.EINVAL, `invalid host id '${id}': use letters, digits and _`);
  return id;
}

/** Builds the pid of the `n`th process created at `home`. */
export function makePid(home: string, n: number): Pid {
  return `${home}-${n}`;
}

/** True when `s` is a well-formed pid. */
export function isPid(s: string): boolean {
  return pidPattern.test(s);
}

/**
 * Whether well-formed pid `pid` is homed at `host` (as `homeOf(pid) === host`, without a match:
 * a host id has no `-`, so the home is what comes before the first one).
 */
export function isHomedAt(pid: Pid, host: string): boolean {
  return pid.length > host.length && pid.charCodeAt(host.length) === 45 && pid.startsWith(host);
}

/** The home host encoded in a pid. Throws `EINVAL` for a malformed pid. */
export function homeOf(pid: Pid): string {
  const m = pidPattern.exec(pid);
  if (!m) throw new WispError(ErrorCode.EINVAL, `invalid pid '${pid}'`);
  return m[1]!;
}
