import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What `wisp up` records so other `wisp` commands find the cluster. */
export interface ClusterFile {
  url: string;
  cluster: string;
  hosts: string[];
  upPid: number;
}

function dir(): string {
  return process.env.WISP_HOME ?? join(homedir(), '.wisp');
}

function path(cluster: string): string {
  return join(dir(), `cluster-${cluster}.json`);
}

/** Writes the cluster file. */
export function writeClusterFile(f: ClusterFile): void {
  mkdirSync(dir(), { recursive: true });
  writeFileSync(path(f.cluster), JSON.stringify(f, null, 2));
}

/** Reads the cluster file, or null when no live `wisp up` wrote one. */
export function readClusterFile(cluster: string): ClusterFile | null {
  try {
    const f = JSON.parse(readFileSync(path(cluster), 'utf8')) as ClusterFile;
    process.kill(f.upPid, 0); // throws if that `wisp up` is gone
    return f;
  } catch {
    return null;
  }
}

/** Removes the cluster file. */
export function removeClusterFile(cluster: string): void {
  rmSync(path(cluster), { force: true });
}
