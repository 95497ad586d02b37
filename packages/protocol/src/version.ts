/** Version of the wire protocol between hosts; a host refuses peers that speak another one. */
export const PROTOCOL_VERSION = 2;
