// Opens this node's side of the metadata quorum: the address book, the store of
// `__cluster_metadata-0`, the Raft core restarted from what the store kept, the transport and the
// driver. Only wiring and the conversion of Kafka's controller.quorum.* milliseconds into ticks.
import { randomBytes } from 'node:crypto';
import { RaftNode, SeededRng, type Snapshot, type Status } from '../../raft/index.js';
import type { FileSystem } from '../../storage/index.js';
import type { Logger } from '../logger.js';
import { ConnectionPool, type DeadlineTimer, type PoolOptions } from '../net/index.js';
import { decodeSnapshotFile, encodeSnapshotFile } from './log-records.js';
import { MetadataLogStore } from './metadata-log-store.js';
import { RaftDriver, type StateMachine } from './raft-driver.js';
import { RaftTransport } from './transport.js';
import { VoterDirectory, type VoterInfo } from './voter-directory.js';

/** One tick of the Raft core. KRaft's timeouts (1000 ms election, 2000 ms fetch) become 20 and 40 ticks. */
export const TICK_MS = 50;
/** KRaft's fetch wait (the leader parks an idle follower's fetch this long). */
const FETCH_MAX_WAIT_MS = 500;

export interface QuorumOptions {
  nodeId: number;
  clusterId: string;
  metadataLogDir: string;
  fs: FileSystem;
  now: () => number;
  log: Logger;
  timer: DeadlineTimer;
  /** The controller listener name peers are reached on (the first of controller.listener.names). */
  controllerListenerName: string;
  /** Static voters (controller.quorum.voters); empty for a dynamic quorum. */
  staticVoters: readonly VoterInfo[];
  /** controller.quorum.bootstrap.servers */
  bootstrapServers: readonly { host: string; port: number }[];
  /** A single node whose quorum is itself (no process.roles): no peers, no network. */
  standalone: boolean;
  /** This node's own controller endpoints (a controller), so it can announce itself as leader. */
  selfEndpoints: VoterInfo | null;
  electionTimeoutMs: number;
  fetchTimeoutMs: number;
  requestTimeoutMs: number;
  stateMachine: StateMachine;
  onFatal: (err: unknown) => void;
  /** TLS and SASL of connections to the other controllers (the controller listener's security). */
  peer?: Pick<PoolOptions, 'dial' | 'handshake'>;
}

export interface MetadataQuorum {
  driver: RaftDriver;
  transport: RaftTransport;
  directory: VoterDirectory;
  /** 0 for a static (or standalone) quorum, 1 for a dynamic one. */
  kraftVersion: number;
  status(): Status;
}

const ticks = (ms: number) => Math.max(1, Math.ceil(ms / TICK_MS));

export async function openMetadataQuorum(o: QuorumOptions): Promise<MetadataQuorum> {
  const directory = new VoterDirectory(o.controllerListenerName, o.bootstrapServers);
  for (const v of o.staticVoters) directory.learn(v);
  if (o.selfEndpoints && !directory.get(o.nodeId)?.endpoints.length) directory.learn(o.selfEndpoints);
  const staticIds = o.standalone ? [o.nodeId] : o.staticVoters.map((v) => v.id);
  let kraftVersion = staticIds.length > 0 ? 0 : 1;
  const snapshotOptions = () => ({ kraftVersion, nowMs: o.now(), lastContainedLogTimestampMs: o.now() });
  const encodeSnapshot = (s: Snapshot) => encodeSnapshotFile(s, directory, snapshotOptions());
  const store = await MetadataLogStore.open(o.metadataLogDir, {
    fs: o.fs,
    now: o.now,
    directory,
    kraftVersion,
    staticVoters: staticIds,
    encodeSnapshot,
  });
  const loaded = await store.load();
  if (loaded.bootstrapVoters) kraftVersion = 1;
  // An observer of a dynamic quorum that knows no voter yet asks the bootstrap servers (pseudo ids).
  const initialVoters =
    loaded.bootstrapVoters ?? (staticIds.length > 0 ? staticIds : directory.bootstrapIds());
  if (initialVoters.length === 0)
    throw new Error(
      'no controller to follow: set controller.quorum.voters or controller.quorum.bootstrap.servers',
    );
  const node = new RaftNode(
    {
      id: o.nodeId,
      initialVoters,
      rng: new SeededRng(randomBytes(4).readUInt32BE(0)),
      clusterId: o.clusterId,
      electionTimeoutTicks: ticks(o.electionTimeoutMs),
      // A voter without a leader at start stands after 200-400 ms, not 1-2 s: a new cluster is ready fast.
      startupElectionTimeoutTicks: Math.max(1, Math.ceil(ticks(o.electionTimeoutMs) / 5)),
      fetchTimeoutTicks: ticks(o.fetchTimeoutMs),
      checkQuorumTicks: ticks(o.fetchTimeoutMs * 1.5),
      fetchMaxWaitTicks: ticks(FETCH_MAX_WAIT_MS),
      requestTimeoutTicks: ticks(o.requestTimeoutMs),
      snapshotCodec: {
        encode: encodeSnapshot,
        decode: (id, bytes) => decodeSnapshotFile(id, bytes, directory, staticIds),
      },
    },
    loaded,
  );
  const selfAddress = () => {
    const a = directory.addressOf(o.nodeId);
    return a ? { nodeId: o.nodeId, host: a.host, port: a.port } : null;
  };
  const pool = new ConnectionPool({
    clientId: `raft-client-${o.nodeId}`,
    log: o.log,
    timer: o.timer,
    resolve: (id) => directory.addressOf(id),
    requestTimeoutMs: o.requestTimeoutMs,
    connectTimeoutMs: o.requestTimeoutMs,
    ...o.peer,
  });
  let foreignReported = false;
  const transport = new RaftTransport({
    selfId: o.nodeId,
    pool,
    log: o.log,
    requestTimeoutMs: o.requestTimeoutMs,
    wire: {
      tickMs: TICK_MS,
      directory,
      nowMs: o.now,
      get selfEndpoint() {
        return selfAddress();
      },
    },
    onForeignCluster: (peer) => {
      if (foreignReported) return;
      foreignReported = true;
      const at = directory.addressOf(peer);
      const who =
        peer >= 0
          ? `controller ${peer}`
          : `the controller at ${at ? `${at.host}:${at.port}` : 'a bootstrap address'}`;
      o.onFatal(
        new Error(
          `node ${o.nodeId} was formatted for cluster ${o.clusterId}, but ${who} belongs to another cluster; format this node's log dirs with the cluster's id (kafka-storage.sh format -t <cluster-id>)`,
        ),
      );
    },
  });
  const driver = new RaftDriver({
    node,
    store,
    transport,
    stateMachine: o.stateMachine,
    log: o.log,
    tickMs: TICK_MS,
    voters: () => node.status().voters,
    onFatal: o.onFatal,
  });
  return { driver, transport, directory, kraftVersion, status: () => node.status() };
}
