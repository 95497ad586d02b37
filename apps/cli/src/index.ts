export { startLocalCluster, startHostProcess, startFileServerProcess, wispArgs, type LocalCluster, type LocalClusterOptions, type HostProcess } from './localCluster.js';
export { fsCommand } from './commands/fs.js';
export { readClusterFile } from './clusterFile.js';
export { startMigdProcess, waitForMigd, type MigdProcessOptions } from './localCluster.js';
export { evictCommand } from './commands/evict.js';
export { inputCommand } from './commands/input.js';
export { escapesFor, styleFor, type Style, type OutputStream } from './style.js';
export { exitWhenWritten, exitOnBrokenPipe, written, EXIT_BROKEN_PIPE } from './exit.js';
export { progressLine, bytesOf, type ProgressLine } from './progress.js';
