// What handlers may call: the broker's domain services, as interfaces (the composition root,
// node.ts, provides the implementations). Handlers never reach storage or sockets directly.
import type { MetadataImage } from '../../metadata/image.js';
import type { ReplicaStatus, Status } from '../../raft/index.js';
import type { BrokerConfigService } from '../config-service.js';
import type { ControllerService } from '../controller/controller-service.js';
import type { QuorumController } from '../controller/quorum-controller.js';
import type { GroupCoordinator } from '../coordinator/group/coordinator.js';
import type { TxnCoordinator } from '../coordinator/txn/coordinator.js';
import type { MarkerResult, WritableMarker } from '../coordinator/txn/markers.js';
import type { Logger } from '../logger.js';
import type { ProducerIdManager } from '../producer-ids.js';
import type { RaftTransport } from '../raft-io/transport.js';
import type { VoterInfo } from '../raft-io/voter-directory.js';
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

/** What the metadata quorum looks like from this node (DescribeQuorum, DescribeCluster, tools). */
export interface QuorumView {
  status(): Status;
  /** The leader's view of every replica fetching from it (empty elsewhere). */
  replicaStatuses(): ReplicaStatus[];
  /** Milliseconds per Raft tick (replica fetch times are in ticks). */
  readonly tickMs: number;
  /** The voters' directory ids and controller endpoints, as far as known. */
  voter(id: number): VoterInfo | undefined;
  /** The controllers' addresses (for DescribeCluster towards the controllers). */
  controllerEndpoints(): { id: number; host: string; port: number }[];
}

/** What the handlers of both kinds of listener may call. */
export interface CommonServices {
  /** Which listener the registry serves: client (broker) listeners or the controller listener. */
  readonly endpointType: 'broker' | 'controller';
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
  readonly quorum: QuorumView;
  /** Authorization (authorizer.class.name, ACLs, super.users); allows everything without an authorizer. */
  readonly access: AccessControl;
  /** Listener security, client quotas and their counters. */
  readonly security: BrokerSecurity;
}

/** The controller listener's handlers (a node with the controller role). */
export interface ControllerServices extends CommonServices {
  readonly raft: RaftTransport;
  readonly quorumController: QuorumController;
  /** Voter changes (KIP-853): add, remove, update through the Raft core. */
  readonly voters: VoterChanges;
}

export interface VoterChanges {
  add(voter: VoterInfo): Promise<{ errorCode: number; errorMessage: string | null }>;
  remove(voterId: number, directoryId: string): Promise<{ errorCode: number; errorMessage: string | null }>;
  update(voter: VoterInfo): Promise<{ errorCode: number; errorMessage: string | null }>;
}

export interface BrokerServices extends CommonServices {
  readonly producerIds: ProducerIdManager;
  readonly replicas: ReplicaManager;
  /** Incremental fetch sessions (KIP-227). */
  readonly fetchSessions: FetchSessionCache;
  /** The first log dir (where the metadata log lives); every dir is in `replicas.logs`. */
  readonly logDir: string;
  /** Total and usable bytes of the disk holding a log dir (default: the first). */
  diskSpace(dir?: string): Promise<{ totalBytes: number; usableBytes: number }>;
  /** The classic consumer-group coordinator (JoinGroup, OffsetCommit, ...). */
  readonly groups: GroupCoordinator;
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
