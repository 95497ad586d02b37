export { PROTOCOL_VERSION } from './version.js';
export { ErrorCode, WispError, toWireError, type WireError } from './errors.js';
export { type Pid, makePid, isPid, homeOf, isHostId, assertHostId } from './pid.js';
export { subjects, parseHostSubject, parseFsSubject, isFsId, type Subjects } from './subjects.js';
export { signalNumbers, signalNames, parseSignal, type Signal } from './signals.js';
export * from './schemas.js';
export { hostCommands, isHostVerb, parseRequest, type HostVerb, type RequestOf } from './commands.js';
export { encode, decode, okReply, errorReply, unwrapReply, encodeFrame, decodeFrame, FRAME_HEADER_BYTES } from './codec.js';
export * from './fsSchemas.js';
