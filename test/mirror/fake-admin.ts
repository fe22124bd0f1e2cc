// An in-memory stand-in for the Admin calls the mirror's topic and group jobs make, so their rules
// (which topics, which configs, which ACLs, which groups and offsets) are tested without brokers.
import type {
  AclBinding,
  Admin,
  AlterConfigOp,
  ConfigEntry,
  GroupDescription,
  OffsetToCommit,
} from '../../src/client/index.js';
import { KafkaError } from '../../src/client/index.js';

export interface FakeCluster {
  topics: Map<string, { partitions: number; configs: Record<string, ConfigEntry> }>;
  acls: AclBinding[] | 'no-authorizer';
  groups: Map<string, { state: string; offsets: Map<string, number> }>;
  brokers: number;
  /** Every mutating call, in order, for assertions. */
  calls: string[];
}

export function fakeCluster(brokers = 1): FakeCluster {
  return { topics: new Map(), acls: [], groups: new Map(), brokers, calls: [] };
}

export function entry(name: string, value: string, extra: Partial<ConfigEntry> = {}): ConfigEntry {
  return {
    name,
    value,
    readOnly: false,
    isDefault: false,
    isSensitive: false,
    source: 'dynamic-topic',
    ...extra,
  };
}

export function fakeAdmin(c: FakeCluster): Admin {
  const admin = {
    async listTopics() {
      return [...c.topics.keys()].sort();
    },
    async describeTopics(names: readonly string[]) {
      return names.map((name) => {
        const t = c.topics.get(name);
        if (!t) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `no ${name}`, { errorCode: 3 });
        return {
          name,
          topicId: 'x',
          isInternal: false,
          partitions: Array.from({ length: t.partitions }, (_, partition) => ({
            partition,
            leader: 1,
            leaderEpoch: 0,
            replicas: [1],
            isr: [1],
            offlineReplicas: [],
          })),
        };
      });
    },
    async describeCluster() {
      return {
        clusterId: 'c',
        controllerId: 1,
        brokers: Array.from({ length: c.brokers }, (_, i) => ({
          nodeId: i + 1,
          host: 'h',
          port: 1,
          rack: null,
        })),
      };
    },
    async createTopics(
      specs: {
        name: string;
        numPartitions?: number;
        replicationFactor?: number;
        configs?: Record<string, string>;
      }[],
    ) {
      for (const s of specs) {
        if (c.topics.has(s.name)) throw new KafkaError('TOPIC_ALREADY_EXISTS', s.name, { errorCode: 36 });
        c.calls.push(
          `create ${s.name} ${s.numPartitions} rf=${s.replicationFactor} ${JSON.stringify(s.configs ?? {})}`,
        );
        const configs: Record<string, ConfigEntry> = {};
        for (const [k, v] of Object.entries(s.configs ?? {})) configs[k] = entry(k, v);
        c.topics.set(s.name, { partitions: s.numPartitions ?? 1, configs });
      }
      return [];
    },
    async createPartitions(totals: Record<string, number>) {
      for (const [name, n] of Object.entries(totals)) {
        c.calls.push(`grow ${name} ${n}`);
        const t = c.topics.get(name);
        if (t) t.partitions = n;
      }
    },
    async describeConfigs(resources: { name: string }[]) {
      return resources.map((r) => ({
        type: 'topic',
        name: r.name,
        configs: Object.values(c.topics.get(r.name)?.configs ?? {}),
      }));
    },
    async incrementalAlterConfigs(changes: { name: string; ops: readonly AlterConfigOp[] }[]) {
      for (const ch of changes) {
        c.calls.push(
          `alter ${ch.name} ${ch.ops.map((o) => (o.op === 'delete' ? `-${o.name}` : `${o.name}=${o.value}`)).join(' ')}`,
        );
        const t = c.topics.get(ch.name);
        for (const o of ch.ops) {
          if (!t) continue;
          if (o.op === 'delete') delete t.configs[o.name];
          else if (o.op === 'set') t.configs[o.name] = entry(o.name, o.value);
        }
      }
    },
    async describeAcls() {
      if (c.acls === 'no-authorizer')
        throw new KafkaError('SECURITY_DISABLED', 'no authorizer', { errorCode: 54 });
      return c.acls;
    },
    async createAcls(bindings: readonly AclBinding[]) {
      for (const b of bindings)
        c.calls.push(`acl ${b.resourceName} ${b.principal} ${b.operation} ${b.permission}`);
    },
    async listGroups() {
      return [...c.groups.keys()].map((groupId) => ({
        groupId,
        protocolType: 'consumer',
        state: null,
        type: null,
      }));
    },
    async describeGroups(ids: readonly string[]): Promise<GroupDescription[]> {
      return ids.map((groupId) => ({
        groupId,
        state: c.groups.get(groupId)?.state ?? 'Dead',
        protocolType: 'consumer',
        protocol: '',
        members: [],
        coordinator: 1,
      }));
    },
    async listGroupOffsets(groupId: string) {
      const g = c.groups.get(groupId);
      return [...(g?.offsets ?? [])].map(([tp, offset]) => {
        const at = tp.lastIndexOf('-');
        return {
          topic: tp.slice(0, at),
          partition: Number(tp.slice(at + 1)),
          offset,
          leaderEpoch: -1,
          metadata: '',
        };
      });
    },
    async alterGroupOffsets(groupId: string, offsets: readonly OffsetToCommit[]) {
      c.calls.push(
        `commit ${groupId} ${offsets.map((o) => `${o.topic}-${o.partition}@${o.offset}`).join(' ')}`,
      );
      let g = c.groups.get(groupId);
      if (!g) {
        g = { state: 'Empty', offsets: new Map() };
        c.groups.set(groupId, g);
      }
      for (const o of offsets) g.offsets.set(`${o.topic}-${o.partition}`, o.offset);
    },
  };
  return admin as unknown as Admin;
}
