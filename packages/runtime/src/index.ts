export { Host, type HostOptions, type HostFs } from './host.js';
export { clusterEvents, type ClusterEvent } from './clusterEvents.js';
export { systemClock, systemTimers, type Clock, type Timers } from './clock.js';
export { createLogger, type Logger } from './logger.js';
export { requestFailure } from './natsErrors.js';
export { startNatsServer, findNatsServerBinary, type NatsServerHandle, type NatsServerOptions } from './natsServer.js';
export { WispClient, type RunHandle, type TtyEvent } from './client.js';
export { OwnerActivity, type OwnerActivityOptions, type OwnerInput, type OwnerInputSource } from './ownerActivity.js';
export { connectNats, reconnectWaitMs, type ConnectNatsOptions, type ConnectionLog } from './natsConnect.js';
