import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FsClient } from '@wisp/fs';
import { WispError } from '@wisp/protocol';
import { WispClient } from '@wisp/runtime';
import { exitOnBrokenPipe, exitWhenWritten, progressLine, readClusterFile, type ProgressLine } from '@wisp/cli';
import { parseMakefile } from './makefile.js';
import { runPmake, type PmakeOptions } from './pmake.js';
import { upload } from './upload.js';

const usage = `usage: pmake [-f makefile] [-j N] [--home HOST] [--local] [--put LOCAL=REMOTE]… [NAME=value]… [target]…

  -f FILE          the makefile (default: Makefile)
  -j N             jobs at once, and idle hosts asked of migd (default 1)
  --home HOST      home host of the jobs: their console and pids (default: the first host)
  --local          do not ask migd; run every job on the home host
  --put L=R        first copy local file or directory L to R on the file server
  --nats URL, --cluster NAME, --fs SPEC   as for wisp
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string', short: 'f', default: 'Makefile' },
      jobs: { type: 'string', short: 'j', default: '1' },
      home: { type: 'string' },
      local: { type: 'boolean' },
      put: { type: 'string', multiple: true, default: [] },
      nats: { type: 'string' },
      cluster: { type: 'string', default: 'default' },
      fs: { type: 'string', default: '/=fs1' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const jobs = Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) throw new Error(`-j wants a whole number from 1 to 256, got '${values.jobs}'`);
  const overrides: Record<string, string> = {};
  const goals: string[] = [];
  for (const p of positionals) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(p);
    if (m) overrides[m[1]!] = m[2]!;
    else goals.push(p);
  }
  const makefile = parseMakefile(readFileSync(values.file!, 'utf8'), overrides);
  const cluster = values.cluster!;
  const url = values.nats ?? process.env.WISP_NATS ?? readClusterFile(cluster)?.url;
  if (!url) throw new Error(`no cluster '${cluster}' is running: start one with 'pnpm wisp up' (or pass --nats URL)`);
  const client = await WispClient.connect(url, cluster);
  const fs = await FsClient.start({ nc: client.nc, host: `pmake${process.pid}`, prefixes: values.fs!, cluster, cache: false });
  try {
    for (const spec of values.put!) {
      const i = spec.indexOf('=');
      if (i <= 0) throw new Error(`--put wants LOCAL=REMOTE, got '${spec}'`);
      const files = await upload(fs, spec.slice(0, i), spec.slice(i + 1));
      process.stderr.write(`pmake: put ${files.length} file(s) under ${spec.slice(i + 1)}\n`);
    }
    const home = values.home ?? (await client.hosts())[0]?.id;
    if (!home) throw new Error('no hosts in the cluster');
    const progress = jobProgress();
    const r = await runPmake({ client, makefile, goals, jobs, home, useMigd: !values.local, mkdir: (d) => fs.mkdir(d, { parents: true }), ...progress.options }).finally(() => progress.line.done());
    const where = [...new Set(r.jobs.map((j) => j.host))].join(' ');
    process.stderr.write(`pmake: ${r.code === 0 ? 'done' : `failed (${r.failed})`}: ${r.jobs.length} job(s) on ${where || 'no host'} in ${(r.elapsedMs / 1000).toFixed(1)} s\n`);
    return r.code;
  } finally {
    await fs.stop();
    await client.close();
  }
}

/**
 * On a terminal, a status line under the build's output: jobs done of all, and which run where
 * (`pmake: 5/13 done, running a.o@h2 b.o@h3`). Off one, only the final line `main` prints.
 */
function jobProgress(): { line: ProgressLine; options: Pick<PmakeOptions, 'log' | 'onOutput' | 'onJob' | 'onPlan'> } {
  const line = progressLine();
  const running = new Map<string, string>();
  let done = 0;
  let total = 0;
  const show = () => line.update(`pmake: ${done}/${total} done${running.size > 0 ? `, running ${[...running].map(([t, h]) => `${t}@${h}`).join(' ')}` : ''}`);
  const options: Pick<PmakeOptions, 'log' | 'onOutput' | 'onJob' | 'onPlan'> = {
    onPlan: (n) => {
      total = n;
      show();
    },
    onJob: (e) => {
      if (e.code === undefined) running.set(e.target, e.host);
      else {
        running.delete(e.target);
        done++;
      }
      show();
    },
    log: (l) => line.above(() => process.stderr.write(`${l}\n`)),
    onOutput: (_t, fd, data) => line.above(() => (fd === 2 ? process.stderr : process.stdout).write(data)),
  };
  return { line, options };
}

exitOnBrokenPipe();
main(process.argv.slice(2)).then(exitWhenWritten, (err: unknown) => {
  process.stderr.write(`pmake: ${(err as Error).message}${err instanceof WispError ? ` (${err.code})` : ''}\n`);
  return exitWhenWritten(2);
});
