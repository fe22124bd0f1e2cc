// The driver of the Raft core (src/raft): it owns a RaftNode and does, for it, what the core may not:
// time (a tick every `tickMs`), storage (MetadataLogStore) and the network (the transport). Its loop
// follows the core's contract exactly — take a Ready; persist it and fsync; only then send its
// messages; queue its committed entries for the state machine; advance — and it holds no Raft logic
// of its own: roles, elections, commit and snapshots are all the core's.
//
// Committed entries are applied by a separate, ordered queue, so a slow apply (creating the logs of a
// large topic) never stops this node from answering fetches and votes. A proposal resolves once its
// batch is applied here, so the caller sees its change in the metadata image.
import type {
  Entry,
  Message,
  MessageBody,
  ProposeResult,
  RaftNode,
  ReplicaStatus,
  Snapshot,
  Status,
} from '../../raft/index.js';
import type { Logger } from '../logger.js';
import type { MetadataLogStore } from './metadata-log-store.js';

/** What carries the core's messages (RaftTransport over the Kafka wire; the simulator's network). */
export interface QuorumTransport {
  attach(deliver: (msg: Message) => void, isClosed: () => boolean, unreachable: (peer: number) => void): void;
  send(msg: Message): void;
  readonly outstandingRequests: number;
  close(): void;
}

/** Calls `tick` every tick; returns how to stop. Default: an unref'd setInterval. */
export type Ticker = (tickMs: number, tick: () => void) => () => void;

const intervalTicker: Ticker = (tickMs, tick) => {
  const t = setInterval(tick, tickMs);
  t.unref();
  return () => clearInterval(t);
};

/** What applies committed entries: the metadata image (controllers and brokers alike). */
export interface StateMachine {
  /** Start over from a snapshot (at start-up, or one installed from the leader). */
  restore(snapshot: Snapshot): Promise<void> | void;
  /** One committed batch, in log order: data entries of one record batch, or one control entry. */
  apply(batch: readonly Entry[]): Promise<void> | void;
}

export type ProposeOutcome =
  | { ok: true; offset: number; lastOffset: number; epoch: number }
  | {
      ok: false;
      error: 'NOT_LEADER' | 'STOPPED' | 'REFUSED';
      detail: string;
      leaderId: number;
      leaderEpoch: number;
    };

export interface DriverOptions {
  node: RaftNode;
  store: MetadataLogStore;
  transport: QuorumTransport;
  stateMachine: StateMachine;
  log: Logger;
  /** Length of one tick of the core (controller.quorum timeouts are converted with it). */
  tickMs: number;
  /** The current voter ids, for quorum-state v0. */
  voters: () => readonly number[];
  /** A write failed: the node cannot go on (Kafka halts). */
  onFatal: (err: unknown) => void;
  /** Where ticks come from (the simulator steps them by hand). */
  ticker?: Ticker;
}

interface PendingProposal {
  epoch: number;
  offset: number;
  resolve: (o: ProposeOutcome) => void;
}

export class RaftDriver {
  private readonly node: RaftNode;
  private running = false;
  private closed = false;
  private stopTicks: (() => void) | null = null;
  private applyChain: Promise<void> = Promise.resolve();
  private readonly pending = new Map<number, PendingProposal>();
  private readonly statusListeners: ((s: Status) => void)[] = [];
  private last: Status;
  /** End offset (exclusive) of what the state machine has applied. */
  appliedEnd = 0;
  private failed: unknown = null;
  /** Batches queued for the state machine and not yet applied. */
  private applying = 0;

  constructor(private readonly o: DriverOptions) {
    this.node = o.node;
    this.last = this.node.status();
    o.transport.attach(
      (msg) => {
        if (this.closed) return;
        this.node.step(msg);
        this.kick();
      },
      () => this.closed,
      (peer) => {
        if (this.closed) return;
        this.node.peerUnreachable(peer);
        this.kick();
      },
    );
  }

  /** Starts the ticks and writes what the core wants written at start (a sole voter's election). */
  start(): void {
    this.stopTicks = (this.o.ticker ?? intervalTicker)(this.o.tickMs, () => {
      if (this.closed) return;
      this.node.tick();
      this.kick();
    });
    this.kick();
  }

  get id(): number {
    return this.node.id;
  }

  /** Nothing to persist, send or apply right now (the simulator waits for this between steps). */
  get idle(): boolean {
    return !this.running && !this.node.hasReady() && this.applying === 0;
  }

  status(): Status {
    return this.node.status();
  }

  replicaStatuses(): ReplicaStatus[] {
    return this.node.replicaStatuses();
  }

  /** Called with the new status whenever the role, epoch or leader changes. */
  onStatusChange(listener: (s: Status) => void): void {
    this.statusListeners.push(listener);
  }

  /** Proposes one batch of records; resolves once it is committed and applied on this node. */
  propose(records: readonly Uint8Array[]): Promise<ProposeOutcome> {
    const s = this.node.status();
    if (this.closed || this.failed)
      return Promise.resolve({
        ok: false,
        error: 'STOPPED',
        detail: 'the metadata log is stopped',
        leaderId: s.leaderId,
        leaderEpoch: s.epoch,
      });
    const r: ProposeResult = this.node.proposeBatch(records);
    if (!r.ok) {
      const error = r.error === 'NOT_LEADER_OR_FOLLOWER' ? 'NOT_LEADER' : 'REFUSED';
      return Promise.resolve({
        ok: false,
        error,
        detail: r.error,
        leaderId: r.leaderId,
        leaderEpoch: r.leaderEpoch,
      });
    }
    const lastOffset = r.lastOffset ?? r.offset;
    const done = new Promise<ProposeOutcome>((resolve) => {
      this.pending.set(lastOffset, { epoch: r.epoch, offset: r.offset, resolve });
    });
    this.kick();
    return done;
  }

  /** Runs a core operation that may produce work (voter changes, transfer, resign). */
  with<T>(fn: (node: RaftNode) => T): T {
    const out = fn(this.node);
    this.kick();
    return out;
  }

  /** The state machine made a snapshot of everything below endOffset. */
  compact(endOffset: number, data: Uint8Array): boolean {
    const ok = this.node.compact(endOffset, data);
    if (ok) this.kick();
    return ok;
  }

  /** Resolves once everything committed so far has been applied. */
  applied(): Promise<void> {
    return this.applyChain;
  }

  private kick(): void {
    if (!this.running && !this.closed && !this.failed) void this.loop();
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (!this.closed && !this.failed && this.node.hasReady()) {
        const rd = this.node.ready();
        await this.o.store.persist(
          rd.hardState,
          rd.truncateFromOffset,
          rd.snapshot,
          rd.entries,
          this.o.voters(),
        );
        if (rd.truncateFromOffset !== null)
          this.failFrom(rd.truncateFromOffset, 'the entry was replaced by a new leader');
        // Durable: the messages may leave now.
        for (const m of rd.messages) this.o.transport.send(m);
        if (rd.snapshotToApply) {
          // A snapshot both stored and applied in one ready came from the leader (FetchSnapshot).
          if (rd.snapshot)
            this.o.log.info('installed a metadata snapshot from the leader', {
              endOffset: rd.snapshotToApply.id.endOffset,
              epoch: rd.snapshotToApply.id.epoch,
            });
          this.queueRestore(rd.snapshotToApply);
        }
        if (rd.committed.length > 0) this.queueApply(rd.committed);
        this.node.advance();
        this.noticeStatus();
      }
    } catch (err) {
      this.failed = err;
      this.o.log.error('metadata log write failed; the node stops', {
        err: String((err as Error)?.stack ?? err),
      });
      this.failAll('the metadata log failed');
      this.o.onFatal(err);
    } finally {
      this.running = false;
    }
    // Work that arrived while the last ready was being advanced.
    if (!this.closed && !this.failed && this.node.hasReady()) this.kick();
  }

  private queueRestore(snapshot: Snapshot): void {
    this.applying++;
    this.applyChain = this.applyChain.then(async () => {
      try {
        await this.o.stateMachine.restore(snapshot);
        this.appliedEnd = Math.max(this.appliedEnd, snapshot.id.endOffset);
      } finally {
        this.applying--;
      }
    });
    this.watch();
  }

  /** Splits committed entries into their batches and applies them in order. */
  private queueApply(committed: readonly Entry[]): void {
    const batches: Entry[][] = [];
    let current: Entry[] = [];
    for (const e of committed) {
      current.push(e);
      if (!e.batchContinues) {
        batches.push(current);
        current = [];
      }
    }
    if (current.length > 0) batches.push(current);
    this.applying++;
    this.applyChain = this.applyChain.then(async () => {
      try {
        for (const batch of batches) {
          if (this.closed) return;
          await this.o.stateMachine.apply(batch);
          const last = batch[batch.length - 1];
          this.appliedEnd = last.offset + 1;
          this.settle(last);
        }
      } finally {
        this.applying--;
      }
    });
    this.watch();
  }

  private watch(): void {
    this.applyChain = this.applyChain.catch((err) => {
      this.failed = err;
      this.o.log.error('applying committed metadata failed; the node stops', {
        err: String((err as Error)?.stack ?? err),
      });
      this.failAll('applying the metadata log failed');
      this.o.onFatal(err);
    });
  }

  private settle(last: Entry): void {
    const p = this.pending.get(last.offset);
    if (!p) return;
    this.pending.delete(last.offset);
    if (p.epoch === last.epoch)
      p.resolve({ ok: true, offset: p.offset, lastOffset: last.offset, epoch: p.epoch });
    else p.resolve(this.notLeader('another leader wrote this offset'));
  }

  private notLeader(detail: string): ProposeOutcome {
    const s = this.node.status();
    return { ok: false, error: 'NOT_LEADER', detail, leaderId: s.leaderId, leaderEpoch: s.epoch };
  }

  private failFrom(offset: number, detail: string): void {
    for (const [last, p] of this.pending) {
      if (last >= offset) {
        this.pending.delete(last);
        p.resolve(this.notLeader(detail));
      }
    }
  }

  private failAll(detail: string): void {
    for (const p of this.pending.values()) p.resolve(this.notLeader(detail));
    this.pending.clear();
  }

  private noticeStatus(): void {
    const s = this.node.status();
    const l = this.last;
    if (
      s.role === l.role &&
      s.epoch === l.epoch &&
      s.leaderId === l.leaderId &&
      s.voters.join() === l.voters.join()
    )
      return;
    this.last = s;
    // A leader that stepped down fails what it proposed (as Kafka's controller does): the entries may still
    // commit under the next leader, and the caller retries.
    if (l.role === 'leader' && s.role !== 'leader') this.failAll('leadership moved');
    this.o.log.info('metadata quorum', { role: s.role, epoch: s.epoch, leader: s.leaderId });
    for (const fn of this.statusListeners) fn(s);
  }

  /** A leader hands over before a clean shutdown, so the others elect without waiting out a timeout. */
  async close(graceMs = 500, resign = true): Promise<void> {
    if (this.closed) return;
    if (resign && this.node.status().role === 'leader' && !this.failed) {
      this.node.resign();
      this.kick();
      // Until the EndQuorumEpoch requests are written and answered (or the grace is over).
      const until = Date.now() + graceMs;
      await new Promise((r) => setTimeout(r, 1));
      while ((this.running || this.o.transport.outstandingRequests > 0) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 5));
    }
    this.closed = true;
    this.stopTicks?.();
    this.failAll('the node is stopping');
    while (this.running) await new Promise((r) => setTimeout(r, 5));
    this.o.transport.close();
    await this.applyChain;
    await this.o.store.close();
  }
}

export type { Message, MessageBody };
