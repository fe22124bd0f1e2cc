// Outgoing connections from this node to other nodes over the Kafka wire (see README.md).
export { ConnectionPool, type PoolOptions } from './connection-pool.js';
export {
  ControllerChannel,
  type ControllerChannelOptions,
  hasErrorCode,
  NOT_CONTROLLER,
} from './controller-channel.js';
export { type DeadlineParty, DeadlineTimer } from './deadline-timer.js';
export { NodeConnection, SOFTWARE_NAME, SOFTWARE_VERSION } from './node-connection.js';
export type {
  Body,
  ConnectionOptions,
  Endpoint,
  Exchange,
  NetError,
  NetErrorCode,
  NetResult,
  SendOptions,
} from './types.js';
