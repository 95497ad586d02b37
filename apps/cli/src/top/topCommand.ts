import { Observable, auditTime, map, merge, scan, startWith, Subject, takeUntil, interval } from 'rxjs';
import { HostReport, decode, subjects, } from '@wisp/protocol';
import { clusterEvents, type WispClient } from '@wisp/runtime';
import { escapesFor } from '../style.js';
import { migdStatus } from '../commands/hosts.js';
import { ANSI, renderFrame, type ScreenSize } from './topScreen.js';
import { applyEvent, applyReport, initialTop, pressKey, topRows, type TopState } from './topView.js';

/**
 * `wisp top`: a live view of the cluster. It asks once (ps, hosts, migd status), then follows
 * two streams and never polls: cluster events (`events.>`) and the hosts' periodic reports to
 * migd (`migd.report`, one per host per `--report-ms`). Frames are drawn at most every 100 ms
 * and once a second (idle times grow between reports). Off a terminal it prints one frame and ends.
 */
export async function topCommand(client: WispClient, out: NodeJS.WriteStream = process.stdout, input: NodeJS.ReadStream = process.stdin): Promise<number> {
  const title = `wisp top — cluster ${client.subjects.cluster}`;
  const [{ hosts }, { procs }, migd] = await Promise.all([client.hostsReport(), client.psReport(), migdStatus(client)]);
  const first = initialTop({ hosts: hosts.map((h) => h.id), procs, migd, now: Date.now() });
  const size = (): ScreenSize => ({ columns: out.columns ?? 100, rows: out.rows ?? 40, bold: escapesFor(out) });
  if (!out.isTTY) {
    out.write(renderFrame(topRows(first, Date.now()), title, size(), false));
    return 0;
  }

  type Step = (s: TopState) => TopState;
  const quit = new Subject<void>();
  const keys = new Subject<Step>();
  const steps: Observable<Step> = merge(
    clusterEvents(client.nc, client.subjects.cluster).pipe(map((e): Step => (s) => applyEvent(s, e))),
    hostReports(client).pipe(map((r): Step => (s) => applyReport(s, r, Date.now()))),
    keys,
  );
  const states = steps.pipe(scan((s, step) => step(s), first), startWith(first));
  let latest = first;
  const onKey = (buf: Buffer) => {
    for (const key of buf.toString('utf8')) {
      if (key === 'q' || key === '\x03') return quit.next();
      if (pressKey(latest, key)) keys.next((s) => pressKey(s, key) ?? s);
    }
  };
  out.write(ANSI.altScreenOn + ANSI.hideCursor);
  const restore = () => out.write(ANSI.showCursor + ANSI.altScreenOff);
  process.once('exit', restore);
  input.setRawMode?.(true);
  input.resume();
  input.on('data', onKey);
  const since = Date.now();
  // What following the cluster costs: messages taken in per second, on average since start.
  const rate = () => `${(latest.received / Math.max(1, (Date.now() - since) / 1000)).toFixed(1)} msg/s in`;
  const draw = () => out.write(renderFrame(topRows(latest, Date.now()), `${title}  ${rate()}`, size(), true));
  const frames = merge(states.pipe(map((s) => (latest = s)), auditTime(100)), interval(1000)).pipe(takeUntil(quit));
  const resized = () => draw();
  out.on('resize', resized);
  await new Promise<void>((resolve, reject) => frames.subscribe({ next: draw, complete: resolve, error: reject }));
  out.off('resize', resized);
  input.off('data', onKey);
  input.setRawMode?.(false);
  input.pause();
  process.off('exit', restore);
  restore();
  return 0;
}

/** The hosts' periodic reports to migd, as an rxjs stream (malformed ones skipped). */
export function hostReports(client: WispClient): Observable<HostReport> {
  const subject = subjects(client.subjects.cluster).migd('report');
  return new Observable<HostReport>((sub) => {
    const s = client.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return sub.error(err);
        const r = HostReport.safeParse(safeDecode(msg.data));
        if (r.success) sub.next(r.data);
      },
    });
    return () => s.unsubscribe();
  });
}

function safeDecode(data: Uint8Array): unknown {
  try {
    return decode(data);
  } catch {
    return null;
  }
}
