import { FsClient } from '@wisp/fs';
import type { WispClient } from '@wisp/runtime';
import { UsageError } from '../usage.js';

const encoder = new TextEncoder();

/** `wisp fs ls|cat|put|rm|mkdir <path> [text]`: the cluster's file namespace from the command line. */
export async function fsCommand(client: WispClient, prefixes: string, cluster: string, args: string[]): Promise<string> {
  const [verb, path, ...rest] = args;
  if (!verb || !path) throw new UsageError('fs wants: ls|cat|put|rm|mkdir <path> [text]');
  // The CLI acts as a host of its own for the file servers (its id only names its cache).
  const fs = await FsClient.start({ nc: client.nc, host: `cli${process.pid}`, prefixes, cluster, cache: false });
  try {
    switch (verb) {
      case 'ls': {
        const st = await fs.stat(path);
        if (st.type !== 'dir') return `${path}\t${st.size}\n`;
        return (await fs.readdir(path)).map((e) => `${e.name}${e.type === 'dir' ? '/' : ''}\n`).join('');
      }
      case 'cat': {
        const s = (await fs.open(path, 'r')).stream;
        const chunks: Uint8Array[] = [];
        for (;;) {
          const b = await fs.read(s, 1 << 20);
          if (b.length === 0) break;
          chunks.push(b);
        }
        await fs.close(s);
        return Buffer.concat(chunks).toString('utf8');
      }
      case 'put': {
        const data = rest.length > 0 ? encoder.encode(`${rest.join(' ')}\n`) : await readStdin();
        const s = (await fs.open(path, 'w')).stream;
        await fs.write(s, data);
        await fs.close(s);
        return '';
      }
      case 'rm':
        await fs.unlink(path);
        return '';
      case 'mkdir':
        await fs.mkdir(path, { parents: true });
        return '';
      default:
        throw new UsageError(`unknown fs command '${verb}' (ls, cat, put, rm, mkdir)`);
    }
  } finally {
    await fs.stop();
  }
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
