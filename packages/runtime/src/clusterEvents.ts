import { Observable } from 'rxjs';
import type { NatsConnection } from '@nats-io/nats-core';
import { decode, subjects } from '@wisp/protocol';

/** One cluster event: what happened, on which host, and its details. */
export interface ClusterEvent {
  kind: string;
  host: string;
  at: number;
  data: Record<string, unknown>;
}

/**
 * Cluster events published on `wisp.<cluster>.events.>`, as an rxjs stream: every one, or only
 * those of `kinds` (subscribed one subject each, so the others never reach this process).
 */
export function clusterEvents(nc: NatsConnection, cluster = 'default', kinds?: string[]): Observable<ClusterEvent> {
  const s = subjects(cluster);
  return new Observable<ClusterEvent>((sub) => {
    const subs = (kinds ? kinds.map((k) => s.event(k)) : [s.events()]).map((subject) =>
      nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return sub.error(err);
          try {
            sub.next(decode(msg.data) as ClusterEvent);
          } catch {
            // A malformed event is someone else's bug; the stream goes on.
          }
        },
      }),
    );
    return () => subs.forEach((x) => x.unsubscribe());
  });
}
