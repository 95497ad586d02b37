import { FsClient, type FileProgress, type FsStat } from '@wisp/fs';
import type { WispClient } from '@wisp/runtime';
import { bytesOf, progressLine } from '../progress.js';
import { UsageError } from '../usage.js';

const encoder = new TextEncoder();

/** `wisp fs ls|stat|cat|put|rm|mkdir <path> [text]`: the cluster's file namespace from the command line. */
export async function fsCommand(client: WispClient, prefixes: string, cluster: string, args: string[]): Promise<string> {
  const [verb, path, ...rest] = args;
  if (!verb || !path) throw new UsageError('fs wants: ls|stat|cat|put|rm|mkdir <path> [text]');
  // The CLI acts as a host of its own for the file servers (its id only names its cache).
  const fs = await FsClient.start({ nc: client.nc, host: `cli${process.pid}`, prefixes, cluster, cache: false });
  try {
    switch (verb) {
      case 'ls': {
        const st = await fs.stat(path);
        if (st.type !== 'dir') return `${path}\t${st.size}\n`;
        return (await fs.readdir(path)).map((e) => `${e.name}${e.type === 'dir' ? '/' : ''}\n`).join('');
      }
      case 'stat':
        return statLine(path, await fs.stat(path));
      case 'cat':
        return (await withBytes(`reading ${path}`, (p) => fs.readFile(path, p))).toString('utf8');
      case 'put': {
        const data = rest.length > 0 ? encoder.encode(`${rest.join(' ')}\n`) : await readStdin();
        await withBytes(`writing ${path}`, (p) => fs.writeFile(path, data, p));
        return '';
      }
      case 'rm':
        await fs.unlink(path);
        return '';
      case 'mkdir':
        await fs.mkdir(path, { parents: true });
        return '';
      default:
        throw new UsageError(`unknown fs command '${verb}' (ls, stat, cat, put, rm, mkdir)`);
    }
  } finally {
    await fs.stop();
  }
}

/** `wisp fs stat`: what a path is and, for a file, who has it open and who may cache it. */
function statLine(path: string, st: FsStat): string {
  if (st.type === 'dir') return `${path}: directory\n`;
  const head = `${path}: file, ${st.size} bytes, version ${st.version}\n`;
  const s = st.sharing;
  if (!s || s.hosts.length === 0) return `${head}not open\n`;
  const open = s.hosts.map((h) => (s.writers.includes(h) ? `${h} (writing)` : h)).join(', ');
  const caching = s.writeShared ? 'write-shared: cached nowhere' : s.cachingHosts.length > 0 ? `cached on ${s.cachingHosts.join(', ')}` : 'cached nowhere';
  return `${head}open on ${open}; ${caching}\n`;
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Runs a whole-file read or write showing its bytes on the progress line (a terminal only). */
async function withBytes<T>(what: string, work: (onProgress: FileProgress) => Promise<T>): Promise<T> {
  const line = progressLine();
  try {
    return await work((done, total) => line.update(`${what}: ${bytesOf(done, total)}`));
  } finally {
    line.done();
  }
}
