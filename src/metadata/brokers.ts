// Brokers joining and leaving, as KRaft's controller decides it (ClusterControlManager,
// BrokerHeartbeatManager, ReplicationControlManager): registration gives a broker its epoch (the offset
// of its RegisterBrokerRecord) and starts it fenced; a heartbeat unfences it once it has replayed the
// metadata log up to that record; a broker that asks to shut down first gives up its leaderships
// (controlled shutdown) and is then fenced; a broker whose heartbeats stop for broker.session.timeout.ms
// is fenced and leaves every ISR. Everything here is pure: records and answers, from the image.
import { ErrorCode } from '../protocol/errors.js';
import { METADATA_VERSION, supportedFeature } from './features.js';
import type { MetadataImage } from './image.js';
import {
  hasLeaderships,
  leaderAndIsrUpdates,
  partitionsWithBrokerInIsr,
  partitionsWithoutLeader,
} from './partition-change.js';
import { type MetadataRecord, record } from './records.js';

/** BrokerRegistrationChangeRecord.fenced values (BrokerRegistrationFencingChange). */
const FENCE = 1;
const UNFENCE = -1;

export interface RegistrationRequest {
  brokerId: number;
  clusterId: string;
  incarnationId: string;
  listeners: readonly { name: string; host: string; port: number; securityProtocol: number }[];
  features: readonly { name: string; minSupportedVersion: number; maxSupportedVersion: number }[];
  rack: string | null;
  logDirs: readonly string[];
}

export interface RegistrationContext {
  clusterId: string;
  /** The offset the registration record will have: the new broker epoch. */
  nextOffset: number;
  /** Whether the broker still has a valid heartbeat session with this controller. */
  hasValidSession: (brokerId: number) => boolean;
  unclean: (topic: string) => boolean;
}

export type Registration =
  | { errorCode: 0; records: MetadataRecord[]; brokerEpoch: number }
  | { errorCode: number; errorMessage: string; records: []; brokerEpoch: -1 };

function refused(errorCode: number, errorMessage: string): Registration {
  return { errorCode, errorMessage, records: [], brokerEpoch: -1 };
}

/** The finalized metadata.version (the image's, else the newest supported). */
export function metadataVersionOf(image: MetadataImage): number {
  return image.features.get(METADATA_VERSION) ?? (supportedFeature(METADATA_VERSION)?.maxVersion as number);
}

export function registerBroker(
  image: MetadataImage,
  req: RegistrationRequest,
  ctx: RegistrationContext,
): Registration {
  if (req.clusterId !== ctx.clusterId)
    return refused(
      ErrorCode.INCONSISTENT_CLUSTER_ID,
      `Expected cluster ID ${ctx.clusterId}, but got cluster ID ${req.clusterId}`,
    );
  const existing = image.brokers.get(req.brokerId);
  if (existing && existing.incarnationId !== req.incarnationId && ctx.hasValidSession(req.brokerId))
    return refused(
      ErrorCode.DUPLICATE_BROKER_REGISTRATION,
      'Another broker is registered with that broker id.',
    );
  const mv = metadataVersionOf(image);
  const own = req.features.find((f) => f.name === METADATA_VERSION);
  if (own && (mv < own.minSupportedVersion || mv > own.maxSupportedVersion))
    return refused(
      ErrorCode.UNSUPPORTED_VERSION,
      `Unable to register because the broker does not support finalized version ${mv} of ${METADATA_VERSION}. The broker wants a version between ${own.minSupportedVersion} and ${own.maxSupportedVersion}, inclusive.`,
    );
  const amending = existing?.incarnationId === req.incarnationId;
  // A registration sent again by the same incarnation (its answer was lost or came too late) changes
  // nothing: it gets its epoch back without a record. Writing one each time would make every retry cost
  // a commit, and a controller slower than the brokers' request timeout would then never catch up.
  if (existing && amending && sameRegistration(existing, req))
    return { errorCode: 0, records: [], brokerEpoch: existing.epoch };
  // A new incarnation of a broker still registered (its session gone, e.g. after a controller failover)
  // lost what it had in memory: it leaves every ISR and leadership first (KIP-966's unclean-shutdown
  // handling), so no partition is left led by a fenced broker.
  const records: MetadataRecord[] =
    existing && !amending
      ? leaderAndIsrUpdates(image, partitionsWithBrokerInIsr(image, req.brokerId), {
          remove: req.brokerId,
          unclean: ctx.unclean,
        })
      : [];
  const brokerEpoch = amending ? existing.epoch : ctx.nextOffset;
  records.push(
    record('RegisterBroker', {
      brokerId: req.brokerId,
      isMigratingZkBroker: false,
      incarnationId: req.incarnationId,
      brokerEpoch,
      endPoints: req.listeners.map((l) => ({ ...l })),
      features: req.features.map((f) => ({ ...f })),
      rack: req.rack,
      fenced: amending ? existing.fenced : true,
      inControlledShutdown: amending ? existing.inControlledShutdown : false,
      logDirs: [...req.logDirs],
    }),
  );
  return { errorCode: 0, records, brokerEpoch };
}

function sameRegistration(
  existing: NonNullable<ReturnType<MetadataImage['brokers']['get']>>,
  req: RegistrationRequest,
): boolean {
  const listeners = (xs: RegistrationRequest['listeners']) =>
    JSON.stringify(xs.map((l) => [l.name, l.host, l.port, l.securityProtocol]));
  const features = (xs: RegistrationRequest['features']) =>
    JSON.stringify(xs.map((f) => [f.name, f.minSupportedVersion, f.maxSupportedVersion]));
  return (
    listeners(existing.endpoints) === listeners(req.listeners) &&
    features(existing.features) === features(req.features) &&
    existing.rack === req.rack &&
    JSON.stringify(existing.logDirs) === JSON.stringify(req.logDirs)
  );
}

export interface HeartbeatRequest {
  brokerId: number;
  brokerEpoch: number;
  currentMetadataOffset: number;
  wantFence: boolean;
  wantShutDown: boolean;
}

export type BrokerControlState = 'FENCED' | 'UNFENCED' | 'CONTROLLED_SHUTDOWN' | 'SHUTDOWN_NOW';

export interface HeartbeatReply {
  errorCode: number;
  errorMessage: string | null;
  records: MetadataRecord[];
  isCaughtUp: boolean;
  isFenced: boolean;
  inControlledShutdown: boolean;
  shouldShutDown: boolean;
  next: BrokerControlState | null;
}

function currentState(image: MetadataImage, brokerId: number): BrokerControlState {
  const b = image.brokers.get(brokerId);
  if (!b) return 'SHUTDOWN_NOW';
  if (b.inControlledShutdown) return b.fenced ? 'SHUTDOWN_NOW' : 'CONTROLLED_SHUTDOWN';
  return b.fenced ? 'FENCED' : 'UNFENCED';
}

/** KRaft's calculateNextBrokerState. */
function nextState(
  image: MetadataImage,
  req: HeartbeatRequest,
  registrationOffset: number,
): BrokerControlState {
  const current = currentState(image, req.brokerId);
  switch (current) {
    case 'FENCED':
      if (req.wantShutDown) return 'SHUTDOWN_NOW';
      if (!req.wantFence && req.currentMetadataOffset >= registrationOffset) return 'UNFENCED';
      return 'FENCED';
    case 'UNFENCED':
      if (req.wantFence) return req.wantShutDown ? 'SHUTDOWN_NOW' : 'FENCED';
      if (req.wantShutDown)
        return hasLeaderships(image, req.brokerId) ? 'CONTROLLED_SHUTDOWN' : 'SHUTDOWN_NOW';
      return 'UNFENCED';
    case 'CONTROLLED_SHUTDOWN':
      return hasLeaderships(image, req.brokerId) ? 'CONTROLLED_SHUTDOWN' : 'SHUTDOWN_NOW';
    default:
      return 'SHUTDOWN_NOW';
  }
}

/** A broker heartbeat: the records of its state change, and the answer. */
export function brokerHeartbeat(
  image: MetadataImage,
  req: HeartbeatRequest,
  unclean: (topic: string) => boolean,
): HeartbeatReply {
  const b = image.brokers.get(req.brokerId);
  const base = {
    records: [],
    isCaughtUp: false,
    isFenced: true,
    inControlledShutdown: false,
    shouldShutDown: false,
    next: null,
  };
  if (!b)
    return {
      ...base,
      errorCode: ErrorCode.STALE_BROKER_EPOCH,
      errorMessage: `No broker registration found for broker id ${req.brokerId}`,
    };
  if (b.epoch !== req.brokerEpoch)
    return {
      ...base,
      errorCode: ErrorCode.STALE_BROKER_EPOCH,
      errorMessage: `Expected broker epoch ${b.epoch}, but got broker epoch ${req.brokerEpoch}`,
    };
  const current = currentState(image, req.brokerId);
  const next = nextState(image, req, b.epoch);
  let records: MetadataRecord[] = [];
  // A fenced broker that asks to shut down may go at once; it is fenced already, so nothing is written
  // (a record per such heartbeat would cost a commit each time the broker asks again).
  const alreadyFenced = current === 'FENCED' && next === 'SHUTDOWN_NOW';
  if (next !== current && !alreadyFenced) {
    if (next === 'FENCED' || next === 'SHUTDOWN_NOW') records = fenceBroker(image, req.brokerId, unclean);
    else if (next === 'UNFENCED') records = unfenceBroker(image, req.brokerId, unclean);
    else records = enterControlledShutdown(image, req.brokerId, unclean);
  }
  return {
    errorCode: 0,
    errorMessage: null,
    records,
    isCaughtUp: req.currentMetadataOffset >= b.epoch,
    isFenced: next === 'FENCED' || next === 'SHUTDOWN_NOW',
    inControlledShutdown: next === 'CONTROLLED_SHUTDOWN',
    shouldShutDown: next === 'SHUTDOWN_NOW',
    next,
  };
}

/** The broker leaves every ISR (leaders move) and is fenced. */
export function fenceBroker(
  image: MetadataImage,
  brokerId: number,
  unclean: (topic: string) => boolean,
): MetadataRecord[] {
  const b = image.brokers.get(brokerId);
  if (!b) return [];
  return [
    ...leaderAndIsrUpdates(image, partitionsWithBrokerInIsr(image, brokerId), { remove: brokerId, unclean }),
    record('BrokerRegistrationChange', { brokerId, brokerEpoch: b.epoch, fenced: FENCE }),
  ];
}

/** The broker is unfenced; partitions without a leader whose ISR holds it get it back as leader. */
export function unfenceBroker(
  image: MetadataImage,
  brokerId: number,
  unclean: (topic: string) => boolean,
): MetadataRecord[] {
  const b = image.brokers.get(brokerId);
  if (!b) return [];
  return [
    record('BrokerRegistrationChange', { brokerId, brokerEpoch: b.epoch, fenced: UNFENCE }),
    ...leaderAndIsrUpdates(image, partitionsWithoutLeader(image), { add: brokerId, unclean }),
  ];
}

/** Controlled shutdown: marked as shutting down, out of every ISR, so its leaderships move now. */
export function enterControlledShutdown(
  image: MetadataImage,
  brokerId: number,
  unclean: (topic: string) => boolean,
): MetadataRecord[] {
  const b = image.brokers.get(brokerId);
  if (!b) return [];
  const records: MetadataRecord[] = [];
  if (!b.inControlledShutdown)
    records.push(
      record('BrokerRegistrationChange', { brokerId, brokerEpoch: b.epoch, inControlledShutdown: 1 }),
    );
  records.push(
    ...leaderAndIsrUpdates(image, partitionsWithBrokerInIsr(image, brokerId), { remove: brokerId, unclean }),
  );
  return records;
}

/** kafka-cluster.sh unregister: the broker leaves every ISR and its registration is removed. */
export function unregisterBroker(
  image: MetadataImage,
  brokerId: number,
  unclean: (topic: string) => boolean,
): { errorCode: number; errorMessage: string | null; records: MetadataRecord[] } {
  const b = image.brokers.get(brokerId);
  if (!b)
    return {
      errorCode: ErrorCode.BROKER_ID_NOT_REGISTERED,
      errorMessage: `Broker ID ${brokerId} is not currently registered`,
      records: [],
    };
  return {
    errorCode: 0,
    errorMessage: null,
    records: [
      ...leaderAndIsrUpdates(image, partitionsWithBrokerInIsr(image, brokerId), {
        remove: brokerId,
        unclean,
      }),
      record('UnregisterBroker', { brokerId, brokerEpoch: b.epoch }),
    ],
  };
}
