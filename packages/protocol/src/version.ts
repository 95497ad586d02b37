/**
 * Version of the wire protocol between hosts; a host refuses peers that speak another one.
 * 3: replies carry the answering host's `boot`, and `commit` may name the boot it is meant for.
 */
export const PROTOCOL_VERSION = 3;
