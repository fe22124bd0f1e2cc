// What handlers may call: the broker's domain services, as interfaces (the composition root,
// node.ts, provides the implementations). Handlers never reach storage or sockets directly.
import type { MetadataImage } from '../../metadata/image.js';
import type { BrokerConfigService } from '../config-service.js';
import type { ControllerService } from '../controller/controller-service.js';
import type { GroupCoordinator } from '../coordinator/group/coordinator.js';
import type { TxnCoordinator } from '../coordinator/txn/coordinator.js';
import type { MarkerResult, WritableMarker } from '../coordinator/txn/markers.js';
import type { Logger } from '../logger.js';
import type { ProducerIdManager } from '../producer-ids.js';
import type { FetchSessionCache } from '../replica/fetch-sessions.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { TxnVerification } from '../replica/txn-verification.js';
import type { AccessControl } from '../security/access-control.js';
import type { BrokerSecurity } from '../security/broker-security.js';

export interface AdvertisedListener {
  name: string;
  host: string;
  port: number;
  securityProtocol: string;
}

/** The broker settings handlers read (a typed view of the broker config). */
export interface HandlerSettings {
  autoCreateTopicsEnable: boolean;
  numPartitions: number;
  defaultReplicationFactor: number;
}

export interface BrokerServices {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly settings: HandlerSettings;
  readonly log: Logger;
  now(): number;
  /** The current metadata image. */
  metadata(): MetadataImage;
  /** Topics internal to the broker (hidden from `--exclude-internal`, marked internal in Metadata). */
  isInternalTopic(name: string): boolean;
  readonly controller: ControllerService;
  readonly configs: BrokerConfigService;
  readonly producerIds: ProducerIdManager;
  readonly replicas: ReplicaManager;
  /** Incremental fetch sessions (KIP-227). */
  readonly fetchSessions: FetchSessionCache;
  /** The log dir partitions live in (DescribeLogDirs). */
  readonly logDir: string;
  diskSpace(): Promise<{ totalBytes: number; usableBytes: number }>;
  /** The classic consumer-group coordinator (JoinGroup, OffsetCommit, ...). */
  readonly groups: GroupCoordinator;
  /** Authorization (authorizer.class.name, ACLs, super.users); allows everything without an authorizer. */
  readonly access: AccessControl;
  /** Listener security, client quotas and their counters. */
  readonly security: BrokerSecurity;
  /** The transaction coordinator (InitProducerId with a transactional id, EndTxn, ...). */
  readonly txns: TxnCoordinator;
  /** Verification of transactional writes with their coordinator (KIP-890). */
  readonly txnVerification: TxnVerification;
  /** WriteTxnMarkers: writes a marker to the partitions this node leads. */
  writeMarkers(marker: WritableMarker): Promise<MarkerResult>;
}

/** One entry of a DescribeConfigs answer, in Kafka's terms. */
export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
  configType: number;
  documentation: string | null;
  /** For DescribeConfigs v0. */
  isDefault: boolean;
}

export interface ConfigService {
  /** The effective configs of a topic, as CreateTopics v5+ and DescribeConfigs report them. */
  describeTopic(
    topic: string,
    keys: readonly string[] | null,
    synonyms: boolean,
    documentation: boolean,
  ): ConfigEntry[];
  describeBroker(
    brokerId: number,
    keys: readonly string[] | null,
    synonyms: boolean,
    documentation: boolean,
  ): ConfigEntry[];
}
