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

/** Every cluster event published on `wisp.<cluster>.events.>`, as an rxjs stream. */
export function clusterEvents(nc: NatsConnection, cluster = 'default'): Observable<ClusterEvent> {
  return new Observable<ClusterEvent>((sub) => {
    const s = nc.subscribe(subjects(cluster).events(), {
      callback: (err, msg) => {
        if (err) return sub.error(err);
        try {
          sub.next(decode(msg.data) as ClusterEvent);
        } catch {
          // A malformed event is someone else's bug; the stream goes on.
        }
      },
    });
    return () => s.unsubscribe();
  });
}
