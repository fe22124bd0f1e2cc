// One simulated controller node running the real stack: the metadata log store (__cluster_metadata-0
// in Kafka's layout) on a crashable in-memory file system, the Raft core, the raft-io driver with
// manual ticks, the metadata image (MetadataPublisher) and, on voters, the QuorumController. Only the
// network, the clock and the timers are the simulator's. Every message the driver sends goes through
// the Kafka wire encoding and back, and is checked against the file system: nothing it depends on may
// be unsynced when it leaves (persist before send).

import { MetadataPublisher } from '../../src/broker/controller/metadata-publisher.js';
import { QuorumController } from '../../src/broker/controller/quorum-controller.js';
import { Logger } from '../../src/broker/logger.js';
import { decodeSnapshotFile, encodeSnapshotFile } from '../../src/broker/raft-io/log-records.js';
import { MetadataLogStore } from '../../src/broker/raft-io/metadata-log-store.js';
import { type QuorumTransport, RaftDriver } from '../../src/broker/raft-io/raft-driver.js';
import { VoterDirectory } from '../../src/broker/raft-io/voter-directory.js';
import {
  requestFromWire,
  requestToWire,
  responseFromWire,
  responseToWire,
  type WireContext,
} from '../../src/broker/raft-io/wire.js';
import {
  decodeRequest,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
} from '../../src/protocol/frame.js';
import { type Message, type MessageBody, RaftNode, SeededRng, type Snapshot } from '../../src/raft/index.js';
import type { MemoryFileSystem } from '../../src/storage/index.js';
import { fail } from './checker.js';
import type { SimNetwork } from './network.js';
import { TrackingFileSystem } from './tracking-fs.js';

export const METADATA_DIR = '/node/__cluster_metadata-0';
const API_OF: Record<string, number> = {
  VoteResponse: 52,
  BeginQuorumEpochResponse: 53,
  EndQuorumEpochResponse: 54,
  FetchResponse: 1,
  FetchSnapshotResponse: 59,
};

/** Timers of one node, fired by the simulator's clock. */
export class SimTimers {
  private timers: { every: number; next: number; fn: () => void }[] = [];

  constructor(private readonly now: () => number) {}

  every(ms: number, fn: () => void): () => void {
    const t = { every: ms, next: this.now() + ms, fn };
    this.timers.push(t);
    return () => {
      this.timers = this.timers.filter((x) => x !== t);
    };
  }

  fire(): void {
    const now = this.now();
    for (const t of [...this.timers]) {
      if (t.next <= now) {
        t.next = now + t.every;
        t.fn();
      }
    }
  }

  clear(): void {
    this.timers = [];
  }
}

export interface NodeOptions {
  id: number;
  voters: readonly number[];
  seed: number;
  electionTimeoutTicks: number;
  fetchMaxWaitTicks: number;
  requestTimeoutTicks: number;
  snapshotBytes: number;
  sessionTimeoutMs: number;
  rebalance: boolean;
  msPerTick: number;
}

/** What a node needs from the simulation around it. */
export interface NodeEnv {
  net: SimNetwork;
  nowTick: () => number;
  incarnationOf: (id: number) => number;
  isUp: (id: number) => boolean;
  /** A request to a node that is down: its sender learns the peer is unreachable, a tick later. */
  reportUnreachable: (from: number, to: number) => void;
  /** A planted bug for checking the checker: fsync returns without making anything durable. */
  skipFsync: boolean;
}

class SimTransport implements QuorumTransport {
  deliver: ((msg: Message) => void) | null = null;
  unreachable: ((peer: number) => void) | null = null;
  outstandingRequests = 0;
  closed = false;
  private sent = 0;

  constructor(
    private readonly id: number,
    private readonly fs: TrackingFileSystem,
    private readonly env: NodeEnv,
    private readonly wire: WireContext,
  ) {}

  attach(
    deliver: (msg: Message) => void,
    _isClosed: () => boolean,
    unreachable: (peer: number) => void,
  ): void {
    this.deliver = deliver;
    this.unreachable = unreachable;
  }

  send(msg: Message): void {
    if (this.closed) return;
    const unsynced = this.fs.unsyncedUnder(METADATA_DIR);
    if (unsynced.length > 0)
      fail(
        'persist before send',
        `node ${this.id} sends ${msg.body.kind} while ${unsynced.join(', ')} is not durable`,
      );
    // One message in four makes the full round trip through the Kafka wire encoding (all of them would
    // double the cost of a seed; over many seeds every kind and field still crosses).
    const crossed = this.sent++ % 4 === 0 ? crossWire(msg, this.wire) : msg;
    if (!this.env.isUp(msg.to) && msg.body.kind.endsWith('Request'))
      this.env.reportUnreachable(this.id, msg.to);
    this.env.net.send(crossed, this.env.nowTick(), this.env.incarnationOf(msg.to));
  }

  close(): void {
    this.closed = true;
  }
}

/** The message as it would arrive after the Kafka wire: encoded into a frame and decoded back. */
function crossWire(msg: Message, wire: WireContext): Message {
  const body = msg.body;
  let back: MessageBody | null;
  if (body.kind.endsWith('Request')) {
    const w = requestToWire(body, wire);
    if (!w) fail('wire', `${body.kind} has no wire form`);
    const frame = Buffer.concat(
      encodeRequestFrame(w.apiKey, maxVersion(w.apiKey), 1, 'sim', w.body),
    ).subarray(4);
    const decoded = decodeRequest(frame);
    const r = requestFromWire(w.apiKey, decoded.body, wire);
    if ('error' in r) fail('wire', r.error);
    if (r.from !== msg.from) fail('wire', `${body.kind} from ${msg.from} reads as from ${r.from}`);
    back = r.body;
  } else {
    const apiKey = API_OF[body.kind];
    const v = maxVersion(apiKey);
    const frame = Buffer.concat(
      encodeResponseFrame(apiKey, v, 1, responseToWire(apiKey, body, wire)),
    ).subarray(4);
    back = responseFromWire(apiKey, decodeResponseFrame(apiKey, v, frame).body, wire);
  }
  if (!back) fail('wire', `${body.kind} did not survive the wire`);
  return { ...msg, body: back };
}

function maxVersion(apiKey: number): number {
  return { 1: 17, 52: 2, 53: 1, 54: 1, 59: 1 }[apiKey] as number;
}

export class SimNode {
  readonly timers: SimTimers;
  driver!: RaftDriver;
  publisher!: MetadataPublisher;
  controller: QuorumController | null = null;
  transport!: SimTransport;
  node!: RaftNode;
  fatal: string | null = null;
  snapshotInstalls = 0;

  private constructor(
    readonly id: number,
    readonly fs: TrackingFileSystem,
    now: () => number,
  ) {
    this.timers = new SimTimers(now);
  }

  /** Builds the node on `memory` (its disk) and starts its driver. */
  static async start(
    o: NodeOptions,
    memory: MemoryFileSystem,
    env: NodeEnv,
    now: () => number,
  ): Promise<SimNode> {
    const fs = new TrackingFileSystem(memory, env.skipFsync);
    const n = new SimNode(o.id, fs, now);
    const log = Logger.silent();
    const directory = new VoterDirectory('CONTROLLER');
    const snapshotOptions = () => ({ kraftVersion: 0, nowMs: 0, lastContainedLogTimestampMs: 0 });
    const encodeSnapshot = (s: Snapshot) => encodeSnapshotFile(s, directory, snapshotOptions());
    const store = await MetadataLogStore.open('/node', {
      fs,
      now: () => 0,
      directory,
      kraftVersion: 0,
      staticVoters: o.voters,
      encodeSnapshot,
    });
    const loaded = await store.load();
    const rng = new SeededRng(o.seed);
    n.node = new RaftNode(
      {
        id: o.id,
        initialVoters: o.voters,
        rng,
        clusterId: 'sim',
        electionTimeoutTicks: o.electionTimeoutTicks,
        startupElectionTimeoutTicks: Math.max(1, Math.floor(o.electionTimeoutTicks / 3)),
        fetchTimeoutTicks: 2 * o.electionTimeoutTicks,
        checkQuorumTicks: 3 * o.electionTimeoutTicks,
        fetchMaxWaitTicks: o.fetchMaxWaitTicks,
        requestTimeoutTicks: o.requestTimeoutTicks,
        snapshotChunkBytesMax: 512,
        fetchBytesMax: 2048,
        uncommittedEntriesMax: 200,
        snapshotCodec: {
          encode: encodeSnapshot,
          decode: (id, bytes) => decodeSnapshotFile(id, bytes, directory, o.voters),
        },
      },
      loaded,
    );
    n.publisher = new MetadataPublisher(log, { bytesBetweenSnapshots: o.snapshotBytes, intervalMs: 0 }, now);
    const wire: WireContext = { tickMs: 1, directory, nowMs: () => 0, selfEndpoint: null };
    n.transport = new SimTransport(o.id, fs, env, wire);
    let tick: (() => void) | null = null;
    n.driver = new RaftDriver({
      node: n.node,
      store,
      transport: n.transport,
      stateMachine: n.publisher,
      log,
      tickMs: 1,
      voters: () => n.node.status().voters,
      onFatal: (err) => {
        n.fatal = String((err as Error)?.stack ?? err);
      },
      ticker: (_ms, fn) => {
        tick = fn;
        return () => {
          tick = null;
        };
      },
    });
    n.tickFn = () => tick?.();
    n.publisher.compact = (end, data) => n.driver.compact(end, data);
    // A snapshot that replaces an image the node already had came from the leader (FetchSnapshot).
    const restore = n.publisher.restore.bind(n.publisher);
    n.publisher.restore = (snapshot) => {
      if (n.publisher.latest.offset >= 0) n.snapshotInstalls++;
      return restore(snapshot);
    };
    if (o.voters.includes(o.id)) {
      const idRng = new SeededRng(o.seed ^ 0x7a11);
      n.controller = new QuorumController(
        o.id,
        n.driver,
        n.publisher,
        {
          clusterId: 'sim',
          numPartitions: 1,
          defaultReplicationFactor: 1,
          deleteTopicEnable: true,
          validateTopicConfigs: () => null,
          uncleanLeaderElection: () => false,
          brokerSessionTimeoutMs: o.sessionTimeoutMs,
          autoLeaderRebalanceEnable: o.rebalance,
          leaderImbalanceCheckIntervalMs: 20 * o.msPerTick,
          bootstrapFeatures: new Map(),
          clock: { now, every: (ms, fn) => n.timers.every(ms, fn) },
          randomInt: (bound) => idRng.nextInt(bound),
          randomUuid: () => {
            const b = Buffer.alloc(16);
            for (let i = 0; i < 16; i += 4) b.writeUInt32BE(idRng.nextUint32(), i);
            b[0] = (b[0] & 0x3f) | 0x40;
            return b.toString('base64url');
          },
        },
        log,
      );
    }
    n.driver.start();
    return n;
  }

  tickFn: () => void = () => {};

  /** Delivers a message from the network to the core. */
  receive(msg: Message): void {
    this.transport.deliver?.(msg);
  }

  peerUnreachable(peer: number): void {
    this.transport.unreachable?.(peer);
  }

  get idle(): boolean {
    return this.driver.idle;
  }

  /** Power loss: the node's objects are dropped; the disk keeps what fsyncs made durable. */
  crash(): void {
    this.transport.close();
    this.timers.clear();
  }
}
