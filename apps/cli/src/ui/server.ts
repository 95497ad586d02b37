import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ErrorCode, StrategySchema, WispError, decode, encode, toWireError, unwrapReply } from '@wisp/protocol';
import type { WispClient } from '@wisp/runtime';
import { evictCommand } from '../commands/evict.js';
import { killCommand } from '../commands/kill.js';
import { UiBridge, type BridgeOptions } from './bridge.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** A running dashboard: its address, the bridge (for its counters) and how to stop it. */
export interface UiServer {
  url: string;
  port: number;
  bridge: UiBridge;
  stop(): Promise<void>;
}

/** Options of {@link startUiServer}. */
export interface UiServerOptions extends BridgeOptions {
  /** Port to listen on (0: any free one). */
  port: number;
  /** Interface to listen on (default 127.0.0.1: the buttons act on the cluster). */
  listen?: string;
  /** The built page (`apps/ui/dist`). */
  assets: string;
}

/**
 * `wisp ui`'s HTTP server: the page's static assets, the cluster's view as Server-Sent Events
 * (`/api/events`), one process's detail (`/api/detail?pid=`) and the buttons' actions
 * (`POST /api/migrate|evict|kill`), which call the same client API as the CLI.
 */
export async function startUiServer(client: WispClient, o: UiServerOptions): Promise<UiServer> {
  const bridge = new UiBridge(client, o);
  await bridge.start();
  const streams = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    route(client, bridge, o.assets, streams, req, res).catch((err: unknown) => sendJson(res, 500, { ok: false, error: toWireError(err) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.listen ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${o.listen ?? '127.0.0.1'}:${port}/`,
    port,
    bridge,
    stop: async () => {
      bridge.stop();
      for (const s of streams) s.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function route(client: WispClient, bridge: UiBridge, assets: string, streams: Set<ServerResponse>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://ui');
  if (req.method === 'GET' && url.pathname === '/api/events') return events(bridge, streams, req, res);
  if (req.method === 'GET' && url.pathname === '/api/detail') return act(res, () => detail(client, bridge, url.searchParams.get('pid') ?? ''));
  if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
    // Actions change the cluster: only from the page itself (a JSON body, which another site's
    // form cannot send without asking first, and never from another origin).
    const origin = req.headers.origin;
    if (!String(req.headers['content-type']).startsWith('application/json') || (origin && new URL(origin).host !== req.headers.host)) {
      return sendJson(res, 403, { ok: false, error: { code: ErrorCode.EACCES, message: 'actions come from the dashboard page only' } });
    }
    const body = await readBody(req);
    switch (url.pathname) {
      case '/api/migrate': {
        const strategy = body.strategy ? StrategySchema.parse(body.strategy) : undefined;
        return act(res, () => client.migrate(String(body.pid), String(body.to), strategy));
      }
      case '/api/evict':
        return act(res, async () => ({ text: await evictCommand(client, String(body.host)) }));
      case '/api/kill':
        return act(res, async () => {
          await killCommand(client, String(body.pid), body.signal ? String(body.signal) : undefined);
          return {};
        });
    }
  }
  if (req.method === 'GET') return staticFile(assets, url.pathname, res);
  sendJson(res, 404, { ok: false, error: { code: ErrorCode.ENOENT, message: `no ${req.method} ${url.pathname}` } });
}

/** The view as Server-Sent Events: the whole of it first, then every change. */
function events(bridge: UiBridge, streams: Set<ServerResponse>, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write('retry: 1000\n\n');
  streams.add(res);
  const stop = bridge.listen((m) => res.write(`data: ${JSON.stringify(m)}\n\n`));
  // A comment now and then keeps proxies from closing an idle stream.
  const beat = setInterval(() => res.write(':\n\n'), 15_000);
  req.on('close', () => {
    clearInterval(beat);
    stop();
    streams.delete(res);
  });
}

/** One process's detail, with each open fd's file from its file server (`fstat`). */
async function detail(client: WispClient, bridge: UiBridge, pid: string) {
  // Where the bridge last saw it, or wherever `ps` finds it if it has moved since.
  const d = await client.detail(pid, bridge.hostOf(pid)).catch((err: unknown) => {
    if (err instanceof WispError && err.code === ErrorCode.ESRCH) return client.detail(pid);
    throw err;
  });
  const files = await Promise.all(
    d.fds.map(async ({ fd, stream }) => {
      const [server, id] = stream.split(':') as [string, string];
      try {
        const m = await client.nc.request(client.subjects.fs(server, 'fstat'), encode({ host: d.host, stream: Number(id) }), { timeout: 2000 });
        const s = unwrapReply(decode(m.data)) as { path: string | null; mode: string; offset: number; size: number };
        return { fd, stream, path: s.path, mode: s.mode, offset: s.offset, size: s.size };
      } catch (err) {
        return { fd, stream, path: null, error: (err as Error).message };
      }
    }),
  );
  return { ...d, files };
}

async function act(res: ServerResponse, fn: () => Promise<unknown>): Promise<void> {
  try {
    sendJson(res, 200, { ok: true, value: await fn() });
  } catch (err) {
    const error = toWireError(err);
    sendJson(res, error.code === ErrorCode.ESRCH || error.code === ErrorCode.ENOENT ? 404 : 400, { ok: false, error });
  }
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 1 << 16) throw new WispError(ErrorCode.EINVAL, 'request body too large');
  }
  try {
    const v: unknown = text ? JSON.parse(text) : {};
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new WispError(ErrorCode.EINVAL, 'the body must be a JSON object');
}

async function staticFile(assets: string, pathname: string, res: ServerResponse): Promise<void> {
  const rel = normalize(decodeURIComponent(pathname === '/' ? '/index.html' : pathname)).replace(/^([/\\])+/, '');
  const file = join(assets, rel);
  if (!file.startsWith(assets + sep) && file !== assets) return sendJson(res, 403, { ok: false, error: { code: ErrorCode.EINVAL, message: 'outside the page' } });
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(body);
  } catch {
    sendJson(res, 404, { ok: false, error: { code: ErrorCode.ENOENT, message: `no ${pathname}` } });
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
