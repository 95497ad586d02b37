export { startLocalCluster, startHostProcess, type LocalCluster, type LocalClusterOptions, type HostProcess } from './localCluster.js';
