import { parseArgs } from 'node:util';
import { WispError } from '@wisp/protocol';
import { connectClient } from './connect.js';
import { fileServerCommand } from './commands/fileserver.js';
import { fsCommand } from './commands/fs.js';
import { hostCommand } from './commands/host.js';
import { hostsCommand } from './commands/hosts.js';
import { killCommand } from './commands/kill.js';
import { migrateCommand } from './commands/migrate.js';
import { evictCommand } from './commands/evict.js';
import { psCommand } from './commands/ps.js';
import { runCommand } from './commands/run.js';
import { upCommand } from './commands/up.js';
import { anywhereCommand } from './commands/anywhere.js';
import { inputCommand } from './commands/input.js';
import { migdCommand } from './commands/migd.js';
import { uiCommand } from './ui/uiCommand.js';
import { exitOnBrokenPipe, exitWhenWritten } from './exit.js';
import { hostRegistry } from './programModules.js';
import { logsCommand } from './commands/logs.js';
import { topCommand } from './top/topCommand.js';
import { UsageError, usage } from './usage.js';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      nats: { type: 'string' },
      cluster: { type: 'string', default: 'default' },
      hosts: { type: 'string', default: '3' },
      on: { type: 'string' },
      home: { type: 'string' },
      id: { type: 'string' },
      'skew-ms': { type: 'string', default: '0' },
      skew: { type: 'string', multiple: true, default: [] },
      fs: { type: 'string', default: '/=fs1' },
      storage: { type: 'string', default: 'memory' },
      programs: { type: 'string', multiple: true, default: [] },
      strategy: { type: 'string' },
      anywhere: { type: 'boolean' },
      'report-ms': { type: 'string', default: '1000' },
      'idle-ms': { type: 'string', default: '30000' },
      'load-below': { type: 'string', default: '1' },
      'lease-ms': { type: 'string', default: '30000' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      host: { type: 'string' },
      pid: { type: 'string' },
      follow: { type: 'boolean', short: 'f' },
      port: { type: 'string', default: '7070' },
      listen: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  // Read by every logger this process and the processes it starts create (createLogger).
  if (values['log-level'] !== undefined) {
    if (!LOG_LEVELS.includes(values['log-level'])) throw new UsageError(`--log-level wants one of ${LOG_LEVELS.join(', ')}, got '${values['log-level']}'`);
    process.env.WISP_LOG_LEVEL = values['log-level'];
  }
  const logFormat = values['log-format'] ?? (process.env.WISP_LOG_FORMAT === 'json' ? 'json' : undefined);
  if (logFormat !== undefined && logFormat !== 'json' && logFormat !== 'pretty') throw new UsageError(`--log-format wants json or pretty, got '${logFormat}'`);
  if (values['log-format'] !== undefined) process.env.WISP_LOG_FORMAT = values['log-format'];
  const [cmd, ...rest] = positionals;
  if (!cmd || values.help) {
    process.stdout.write(usage);
    return cmd || values.help ? 0 : 2;
  }
  const cluster = values.cluster!;
  switch (cmd) {
    case 'up': {
      const hosts = intOption('--hosts', values.hosts!, 1, 64);
      const skewMs: Record<string, number> = {};
      for (const s of values.skew!) {
        const m = /^([A-Za-z0-9_]+)=([+-]?\d+)$/.exec(s);
        if (!m) throw new UsageError(`--skew wants HOST=MS, got '${s}'`);
        skewMs[m[1]!] = Number(m[2]);
      }
      await upCommand({ hosts, url: values.nats, cluster, skewMs, storage: values.storage!, programs: values.programs!, migd: migdConfig(values), reportMs: reportMs(values) });
      return 0;
    }
    case 'host': {
      if (!values.id) throw new UsageError('host needs --id');
      const url = values.nats ?? process.env.WISP_NATS;
      if (!url) throw new UsageError('host needs --nats URL');
      await hostCommand({ id: values.id, url, cluster, skewMs: Number(values['skew-ms']), fs: values.fs!, programs: values.programs!, reportMs: reportMs(values) });
      return 0;
    }
    case 'migd': {
      const url = values.nats ?? process.env.WISP_NATS;
      if (!url) throw new UsageError('migd needs --nats URL');
      await migdCommand({ url, cluster, config: migdConfig(values) });
      return 0;
    }
    case 'fileserver': {
      if (!values.id) throw new UsageError('fileserver needs --id');
      const url = values.nats ?? process.env.WISP_NATS;
      if (!url) throw new UsageError('fileserver needs --nats URL');
      await fileServerCommand({ id: values.id, url, cluster, storage: values.storage! });
      return 0;
    }
    case 'programs': {
      for (const p of (await hostRegistry(values.programs!)).list()) process.stdout.write(`${p}\n`);
      return 0;
    }
  }
  const client = await connectClient({ nats: values.nats, cluster });
  try {
    switch (cmd) {
      case 'run': {
        const [program, ...args] = rest;
        if (!program) throw new UsageError('run needs a program name (see: wisp programs)');
        if (values.anywhere) return await anywhereCommand(client, program, args, { home: values.home });
        return await runCommand(client, program, args, { on: values.on, home: values.home });
      }
      case 'ps':
        process.stdout.write(await psCommand(client));
        return 0;
      case 'logs':
        return await logsCommand(client, { host: values.host, pid: values.pid, follow: values.follow === true, format: logFormat === 'json' ? 'json' : 'pretty' });
      case 'top':
        return await topCommand(client);
      case 'hosts':
        process.stdout.write(await hostsCommand(client));
        return 0;
      case 'fs':
        process.stdout.write(await fsCommand(client, values.fs!, cluster, rest));
        return 0;
      case 'input': {
        if (!rest[0]) throw new UsageError('input needs a host');
        process.stdout.write(await inputCommand(client, rest[0]));
        return 0;
      }
      case 'evict': {
        const [host] = rest;
        if (!host) throw new UsageError('evict needs a host');
        process.stdout.write(await evictCommand(client, host));
        return 0;
      }
      case 'migrate': {
        const [pid, to] = rest;
        if (!pid || !to) throw new UsageError('migrate needs a pid and a host');
        const { text, record } = await migrateCommand(client, pid, to, values.strategy);
        process.stdout.write(text);
        return record.outcome === 'committed' ? 0 : 1;
      }
      case 'ui':
        await uiCommand(client, { port: intOption('--port', values.port!, 0, 65535), listen: values.listen });
        return 0;
      case 'kill': {
        const [pid, sig] = rest;
        if (!pid) throw new UsageError('kill needs a pid');
        await killCommand(client, pid, sig);
        return 0;
      }
      default:
        throw new UsageError(`unknown command '${cmd}'`);
    }
  } finally {
    await client.close();
  }
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function intOption(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} wants a whole number from ${min} to ${max}, got '${v}'`);
  return n;
}

/** migd's thresholds from `--idle-ms`, `--load-below`, `--lease-ms`. */
function migdConfig(v: { 'idle-ms'?: string; 'load-below'?: string; 'lease-ms'?: string }): { idleAfterMs: number; loadBelow: number; leaseMs: number } {
  return {
    idleAfterMs: intOption('--idle-ms', v['idle-ms']!, 0, 86_400_000),
    loadBelow: intOption('--load-below', v['load-below']!, 1, 1_000_000),
    leaseMs: intOption('--lease-ms', v['lease-ms']!, 100, 86_400_000),
  };
}

function reportMs(v: { 'report-ms'?: string }): number {
  return intOption('--report-ms', v['report-ms']!, 10, 3_600_000);
}

exitOnBrokenPipe();
main(process.argv.slice(2)).then(exitWhenWritten, (err: unknown) => {
  if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    process.stderr.write(`wisp: ${(err as Error).message}\n\n${usage}`);
    return exitWhenWritten(2);
  }
  const code = err instanceof WispError ? ` (${err.code})` : '';
  process.stderr.write(`wisp: ${(err as Error).message}${code}\n`);
  return exitWhenWritten(1);
});
