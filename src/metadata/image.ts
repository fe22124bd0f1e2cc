// The MetadataImage: an immutable picture of the cluster (brokers, topics, partitions, configs),
// built only by replaying metadata records. Components never change it; they react to new images.
import type { MetadataRecord } from './records.js';
import {
  EMPTY_SECURITY,
  SECURITY_RECORD_KINDS,
  SecurityDraft,
  type SecurityImage,
} from './security-image.js';

export interface Endpoint {
  name: string;
  host: string;
  port: number;
  securityProtocol: number;
}

export interface BrokerInfo {
  id: number;
  incarnationId: string;
  /** The broker epoch: the offset of its RegisterBrokerRecord. */
  epoch: number;
  endpoints: readonly Endpoint[];
  rack: string | null;
  fenced: boolean;
  inControlledShutdown: boolean;
  features: readonly { name: string; minSupportedVersion: number; maxSupportedVersion: number }[];
  logDirs: readonly string[];
}

/** A controller as it registered (ControllerRegistration): where brokers and tools reach it. */
export interface ControllerInfo {
  id: number;
  incarnationId: string;
  endpoints: readonly Endpoint[];
}

export interface PartitionInfo {
  partition: number;
  replicas: readonly number[];
  isr: readonly number[];
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  /** 0 RECOVERED, 1 RECOVERING (after an unclean election). */
  leaderRecoveryState?: number;
  addingReplicas?: readonly number[];
  removingReplicas?: readonly number[];
}

export interface TopicInfo {
  name: string;
  id: string;
  partitions: readonly PartitionInfo[];
}

/** Kafka's ConfigResource types. */
export const enum ResourceType {
  Topic = 2,
  Broker = 4,
}

export interface MetadataImage {
  /** Offset of the last record replayed (-1 for the empty image). */
  readonly offset: number;
  readonly brokers: ReadonlyMap<number, BrokerInfo>;
  readonly controllers: ReadonlyMap<number, ControllerInfo>;
  readonly topicsByName: ReadonlyMap<string, TopicInfo>;
  readonly topicsById: ReadonlyMap<string, TopicInfo>;
  /** Config overrides by `${resourceType}:${resourceName}` (broker "" = cluster-wide default). */
  readonly configs: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly features: ReadonlyMap<string, number>;
  /** The first producer id not yet handed out. */
  readonly nextProducerId: number;
  /** SCRAM credentials, ACLs and client quotas. */
  readonly security: SecurityImage;
}

export const EMPTY_IMAGE: MetadataImage = {
  offset: -1,
  brokers: new Map(),
  controllers: new Map(),
  topicsByName: new Map(),
  topicsById: new Map(),
  configs: new Map(),
  features: new Map(),
  nextProducerId: 0,
  security: EMPTY_SECURITY,
};

export function configKey(type: ResourceType, name: string): string {
  return `${type}:${name}`;
}

export function configsOf(
  image: MetadataImage,
  type: ResourceType,
  name: string,
): ReadonlyMap<string, string> {
  return image.configs.get(configKey(type, name)) ?? new Map();
}

/**
 * Applies records to an image, producing a new one. Maps are copied once per call, not per record,
 * so replaying a long log in large slices stays linear.
 */
export function replay(
  image: MetadataImage,
  records: readonly MetadataRecord[],
  offset: number,
): MetadataImage {
  const d = {
    brokers: new Map(image.brokers),
    controllers: new Map(image.controllers),
    topicsByName: new Map(image.topicsByName),
    topicsById: new Map(image.topicsById),
    configs: new Map(image.configs),
    features: new Map(image.features),
    nextProducerId: image.nextProducerId,
  };
  const security = new SecurityDraft(image.security);
  for (const r of records) {
    if (SECURITY_RECORD_KINDS.has(r.kind)) security.apply(r);
    else apply(d, r);
  }
  return { offset, ...d, security: security.build() };
}

type Draft = {
  brokers: Map<number, BrokerInfo>;
  controllers: Map<number, ControllerInfo>;
  topicsByName: Map<string, TopicInfo>;
  topicsById: Map<string, TopicInfo>;
  configs: Map<string, ReadonlyMap<string, string>>;
  features: Map<string, number>;
  nextProducerId: number;
};

function apply(d: Draft, r: MetadataRecord): void {
  switch (r.kind) {
    case 'RegisterBroker': {
      const x = r.data;
      d.brokers.set(x.brokerId, {
        id: x.brokerId,
        incarnationId: x.incarnationId,
        epoch: x.brokerEpoch,
        endpoints: x.endPoints.map((e) => ({ ...e })),
        rack: x.rack,
        fenced: x.fenced,
        inControlledShutdown: x.inControlledShutdown ?? false,
        features: x.features.map((f) => ({ ...f })),
        logDirs: [...(x.logDirs ?? [])],
      });
      return;
    }
    case 'RegisterController': {
      const x = r.data;
      d.controllers.set(x.controllerId, {
        id: x.controllerId,
        incarnationId: x.incarnationId,
        endpoints: x.endPoints.map((e) => ({ ...e })),
      });
      return;
    }
    case 'UnregisterBroker':
      d.brokers.delete(r.data.brokerId);
      return;
    case 'FenceBroker':
    case 'UnfenceBroker': {
      const b = d.brokers.get(r.data.id);
      if (b) d.brokers.set(b.id, { ...b, fenced: r.kind === 'FenceBroker' });
      return;
    }
    case 'BrokerRegistrationChange': {
      const b = d.brokers.get(r.data.brokerId);
      if (!b) return;
      // BrokerRegistrationFencingChange: 1 FENCE, -1 UNFENCE, 0 none.
      const fenced = r.data.fenced === 1 ? true : r.data.fenced === -1 ? false : b.fenced;
      const shutdown = r.data.inControlledShutdown === 1 ? true : b.inControlledShutdown;
      d.brokers.set(b.id, { ...b, fenced, inControlledShutdown: shutdown });
      return;
    }
    case 'Topic': {
      const t: TopicInfo = { name: r.data.name, id: r.data.topicId, partitions: [] };
      d.topicsByName.set(t.name, t);
      d.topicsById.set(t.id, t);
      return;
    }
    case 'Partition':
      applyPartition(d, r.data.topicId, r.data.partitionId, () => ({
        partition: r.data.partitionId,
        replicas: r.data.replicas,
        isr: r.data.isr,
        leader: r.data.leader,
        leaderEpoch: r.data.leaderEpoch,
        partitionEpoch: r.data.partitionEpoch,
        leaderRecoveryState: r.data.leaderRecoveryState ?? 0,
        addingReplicas: r.data.addingReplicas,
        removingReplicas: r.data.removingReplicas,
      }));
      return;
    case 'PartitionChange':
      applyPartition(d, r.data.topicId, r.data.partitionId, (old) => {
        if (!old) return null;
        const x = r.data;
        // As KRaft's PartitionRegistration.merge: naming a leader (even the same one) bumps the leader
        // epoch; every change bumps the partition epoch.
        const leaderNamed = x.leader !== undefined && x.leader !== -2;
        return {
          partition: old.partition,
          replicas: x.replicas ?? old.replicas,
          isr: x.isr ?? old.isr,
          leader: leaderNamed ? (x.leader as number) : old.leader,
          leaderEpoch: leaderNamed ? old.leaderEpoch + 1 : old.leaderEpoch,
          partitionEpoch: old.partitionEpoch + 1,
          leaderRecoveryState:
            x.leaderRecoveryState !== undefined && x.leaderRecoveryState >= 0
              ? x.leaderRecoveryState
              : (old.leaderRecoveryState ?? 0),
          addingReplicas: x.addingReplicas ?? old.addingReplicas,
          removingReplicas: x.removingReplicas ?? old.removingReplicas,
        };
      });
      return;
    case 'RemoveTopic': {
      const t = d.topicsById.get(r.data.topicId);
      if (!t) return;
      d.topicsById.delete(t.id);
      d.topicsByName.delete(t.name);
      d.configs.delete(configKey(ResourceType.Topic, t.name));
      return;
    }
    case 'Config': {
      const key = configKey(r.data.resourceType, r.data.resourceName);
      const next = new Map(d.configs.get(key) ?? []);
      if (r.data.value === null) next.delete(r.data.name);
      else next.set(r.data.name, r.data.value);
      if (next.size === 0) d.configs.delete(key);
      else d.configs.set(key, next);
      return;
    }
    case 'FeatureLevel':
      d.features.set(r.data.name, r.data.featureLevel);
      return;
    case 'ProducerIds':
      d.nextProducerId = Math.max(d.nextProducerId, r.data.nextProducerId);
      return;
    case 'NoOp':
      return;
  }
}

function applyPartition(
  d: Draft,
  topicId: string,
  partition: number,
  change: (old: PartitionInfo | undefined) => PartitionInfo | null,
): void {
  const t = d.topicsById.get(topicId);
  if (!t) return;
  const next = change(t.partitions[partition]);
  if (!next) return;
  const partitions = [...t.partitions];
  partitions[partition] = next;
  const updated = { ...t, partitions };
  d.topicsById.set(t.id, updated);
  d.topicsByName.set(t.name, updated);
}
