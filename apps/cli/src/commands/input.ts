import { ErrorCode, OwnerInputReply, WispError, decode, encode, unwrapReply } from '@wisp/protocol';
import { requestFailure, type WispClient } from '@wisp/runtime';

/** `wisp input <host>`: one keystroke from the host's owner (the host reports it to migd at once). */
export async function inputCommand(client: WispClient, host: string): Promise<string> {
  const subject = client.subjects.ownerInput(host);
  let value: unknown;
  try {
    value = unwrapReply(decode((await client.nc.request(subject, encode({ source: 'wisp input' }), { timeout: 2000 })).data));
  } catch (err) {
    if (err instanceof WispError) throw err;
    const e = requestFailure(err, subject);
    throw new WispError(e.code, e.code === ErrorCode.EHOSTUNREACH ? `host '${host}' does not take owner input (not in the cluster, or not reporting)` : e.message);
  }
  const r = OwnerInputReply.parse(value);
  return `${r.host}: owner input (idle ${(r.idleMsBefore / 1000).toFixed(1)} s before)\n`;
}
