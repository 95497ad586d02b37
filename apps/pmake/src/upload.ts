import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FsClient } from '@wisp/fs';

/**
 * Copies a local file or directory tree to the file server at `remote` (as `wisp fs put`
 * does for one file), creating directories. Returns the files copied.
 */
export async function upload(fs: FsClient, local: string, remote: string): Promise<string[]> {
  const st = await stat(local);
  if (st.isDirectory()) {
    await fs.mkdir(remote, { parents: true });
    const out: string[] = [];
    for (const e of (await readdir(local)).sort()) out.push(...(await upload(fs, join(local, e), `${remote}/${e}`)));
    return out;
  }
  await fs.writeFile(remote, await readFile(local));
  return [remote];
}

/** Reads a whole file from the file server. */
export function download(fs: FsClient, remote: string): Promise<Buffer> {
  return fs.readFile(remote);
}
