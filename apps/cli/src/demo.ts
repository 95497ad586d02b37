import { exitOnBrokenPipe, exitWhenWritten } from './exit.js';
import { startLocalCluster } from './localCluster.js';
import { styleFor } from './style.js';
import { hostsCommand } from './commands/hosts.js';
import { migrateCommand } from './commands/migrate.js';
import { psCommand } from './commands/ps.js';
import type { WispClient } from '@wisp/runtime';

const HOUR = 3_600_000;

const style = styleFor(process.stdout);

function say(s: string): void {
  process.stdout.write(`\n${style.bold(`# ${s}`)}\n`);
}

async function run(client: WispClient, program: string, args: string[], o: { home: string; on?: string }): Promise<number> {
  process.stdout.write(`$ wisp run ${[program, ...args].join(' ')}${o.on ? ` --on ${o.on}` : ''} --home ${o.home}\n`);
  const r = await client.run(program, args, { ...o, onOutput: (m) => process.stdout.write(`  ${m.data.replace(/\n(?=.)/g, '\n  ')}`) });
  const code = await r.exit;
  process.stdout.write(`  (${r.pid} ran on ${r.host}, exit ${code})\n`);
  return code;
}

/** Console lines of a process run to its end, and its exit code. */
async function linesOf(client: WispClient, program: string, args: string[], onLine: (line: string, n: number, pid: string) => void = () => undefined): Promise<{ pid: string; lines: string[]; code: number }> {
  const lines: string[] = [];
  let partial = '';
  let pid = '';
  const r = await client.run(program, args, {
    home: 'h1',
    onOutput: (m) => {
      const parts = (partial + m.data).split('\n');
      partial = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        onLine(line, lines.length, pid);
      }
    },
  });
  pid = r.pid;
  return { pid, lines, code: await r.exit };
}

/**
 * Runs `life` unmoved for reference, then again moved three times while it runs (every few
 * generations, a different strategy each), and shows the same checksums came out.
 */
async function migrating(client: WispClient): Promise<void> {
  const args = ['1024', '24', '40'];
  process.stdout.write(`$ wisp run life ${args.join(' ')} --home h1   (unmoved, for reference)\n`);
  const reference = await linesOf(client, 'life', args);
  process.stdout.write(`  ${reference.lines.length} generations, last: ${reference.lines.at(-1)}\n`);

  process.stdout.write(`$ wisp run life ${args.join(' ')} --home h1   (moved while it runs: wisp migrate <pid> <host> --strategy …)\n`);
  const hops: Array<{ after: number; to: string; strategy: string }> = [
    { after: 6, to: 'h2', strategy: 'flush' },
    { after: 12, to: 'h3', strategy: 'lazy' },
    { after: 18, to: 'h1', strategy: 'precopy' },
  ];
  const moves: Array<Promise<void>> = [];
  const moved = await linesOf(client, 'life', args, (line, n, pid) => {
    process.stdout.write(`  ${line}\n`);
    const hop = hops.find((h) => h.after === n);
    if (!hop) return;
    // The next move waits for the one before it: a process moves once at a time.
    const previous = moves.at(-1) ?? Promise.resolve();
    moves.push(
      previous.then(async () => {
        const { record } = await migrateCommand(client, pid, hop.to, hop.strategy);
        process.stdout.write(`  → moved ${record.from} → ${record.to} (${record.strategy}): freeze ${record.freezeMs} ms, ${record.pages} pages\n`);
      }),
    );
  });
  await Promise.all(moves);
  const same = moved.lines.join('\n') === reference.lines.join('\n');
  process.stdout.write(`  (${moved.pid} exit ${moved.code}; checksums ${same ? 'identical to' : 'DIFFERENT from'} the unmoved run)\n`);
}

/** The main demo: a local cluster, processes placed on other hosts, calls forwarded home. */
async function demo(): Promise<void> {
  say('Starting a local cluster: an embedded nats-server, file server fs1 and 3 hosts, each its own OS process (h2’s clock is 1 h fast)');
  const c = await startLocalCluster({ hosts: 3, skewMs: { h2: HOUR } });
  try {
    process.stdout.write(`nats ${c.url}\n`);
    process.stdout.write(await hostsCommand(c.client));

    say('A counter whose home is h1, running on h2: its console is h1’s');
    await run(c.client, 'counter', ['3', '200'], { home: 'h1', on: 'h2' });

    say('clock on h2 (1 h fast) prints h1’s time: sys.time is forwarded home');
    process.stdout.write(`  (this machine says ${new Date().toISOString()})\n`);
    await run(c.client, 'clock', ['2', '300'], { home: 'h1', on: 'h2' });

    say('pingpong: a parent on h2 and its child on h3 message each other by pid');
    await run(c.client, 'pingpong', ['3', 'h3'], { home: 'h1', on: 'h2' });

    say('Exit status crosses hosts: a parent on h1 waits for a child on h3 that exits 3');
    await run(c.client, 'parent', ['h3', '3'], { home: 'h1' });

    say('One file namespace: tee on h1 writes /motd through file server fs1; wc on h3 counts it');
    await run(c.client, 'tee', ['/motd', 'processes', 'move', 'files', 'stay'], { home: 'h1' });
    await run(c.client, 'wc', ['/motd'], { home: 'h1', on: 'h3' });

    say('primes: CPU-bound, yields between chunks, on h3');
    await run(c.client, 'primes', ['50000'], { home: 'h1', on: 'h3' });

    say('Migration: life (Conway’s Life in a 2 MiB address space, a checksum per generation) moves h1 → h2 → h3 → h1 while it runs');
    await migrating(c.client);

    say('kill routed via home: a sleeper on h3, signalled from the CLI');
    const sleeper = await c.client.run('sleeper', ['60000'], { home: 'h1', on: 'h3', onOutput: (m) => process.stdout.write(`  ${m.data}`) });
    process.stdout.write(await psCommand(c.client));
    await c.client.kill(sleeper.pid, 'USR1');
    await c.client.kill(sleeper.pid, 'TERM');
    process.stdout.write(`  ${sleeper.pid} exited ${await sleeper.exit} (128 + SIGTERM)\n`);
  } finally {
    say('Stopping the cluster');
    await c.stop();
  }
}

exitOnBrokenPipe();
demo().then(
  () => exitWhenWritten(0),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${(err as Error).stack ?? String(err)}\n`);
    return exitWhenWritten(1);
  },
);
