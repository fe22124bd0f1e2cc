// The public surface of src/embedded: `samsa/embedded` (and, lazily, the `samsa` root).
export { EMBEDDED_DEFAULTS, startBroker } from './broker.js';
export { type Clock, ManualClock, type ManualClockOptions, systemClock, type TimerHandle } from './clock.js';
export { startCluster } from './cluster.js';
export { errorResponse } from './error-response.js';
export type {
  ApiName,
  ApiSelector,
  DelayOptions,
  ErrorSelector,
  FailOptions,
  FaultHandle,
  Faults,
  HookOptions,
  InterceptAction,
  InterceptFn,
  KnownRequests,
  MarkerFailOptions,
  MarkerInfo,
  RequestInfo,
} from './faults.js';
export { type GlobalBrokerSetup, globalBrokerSetup } from './global-setup.js';
export {
  type Bytes,
  EmbeddedBrokerError,
  murmur2,
  type ProducedRecord,
  type ProduceRecord,
  type RecordHeader,
  type StoredRecord,
} from './records.js';
export type { EmbeddedAcl, EmbeddedListener, SecurityOptions } from './security.js';
export type * from './types.js';
