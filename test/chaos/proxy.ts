// The lab's fault network: every connection to a node passes through a TCP proxy of the lab, which
// knows who opened it (socket-owner.ts) and applies the rule of the directed pair of parties, per
// direction of the byte stream:
//   pass   bytes flow, after `delayMs` when the link is slow (order kept)
//   stall  bytes wait: the proxy stops reading, so TCP backpressure reaches the sender, as in a
//          partition where packets are retransmitted until it heals (the bytes arrive late, intact)
//   drop   bytes are read and discarded, as in a silent partition; a connection that lost bytes is
//          corrupt, so it is reset when the network heals (as TCP would, after its timeouts)
// A party is a node (`n1`), a worker (`p1`, `c2`) or `lab` (anything unidentified: the lab's own
// admin, kcat). Rules may name `clients` for every worker. No root is needed.
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { ownerOf } from './socket-owner.js';

export type FlowMode = 'pass' | 'stall' | 'drop';
export interface FlowRule {
  mode: FlowMode;
  delayMs: number;
}
const PASS: FlowRule = { mode: 'pass', delayMs: 0 };
/** Bytes held in one direction of one connection while it is slowed, before reading pauses. */
const DELAY_QUEUE_BYTES_MAX = 4 * 1024 * 1024;

interface Endpoint {
  party: string;
  server: Server;
  port: number;
  target: { host: string; port: number };
}

class Pump {
  private queue: { due: number; chunk: Buffer }[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private writable = true;
  private ended = false;

  constructor(
    private readonly conn: Connection,
    readonly from: Socket,
    readonly to: Socket,
    readonly fromParty: string,
    readonly toParty: string,
  ) {
    from.on('data', (chunk: Buffer) => this.onData(chunk));
    from.on('end', () => {
      this.ended = true;
      this.flush();
    });
    to.on('drain', () => {
      this.writable = true;
      this.flush();
    });
  }

  private get rule(): FlowRule {
    return this.conn.net.flow(this.fromParty, this.toParty);
  }

  private onData(chunk: Buffer): void {
    const rule = this.rule;
    if (rule.mode === 'drop') {
      this.conn.tainted = true;
      const dropped = this.conn.net.stats.dropped;
      dropped[this.fromParty] = (dropped[this.fromParty] ?? 0) + chunk.length;
      return;
    }
    this.queue.push({ due: Date.now() + rule.delayMs, chunk });
    this.queuedBytes += chunk.length;
    this.flush();
  }

  /** Applies the current rule: forwards what is due, and pauses or resumes reading the source. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.to.destroyed) return;
    const rule = this.rule;
    if (rule.mode === 'stall') {
      this.from.pause();
      return;
    }
    if (rule.mode === 'drop' && this.queue.length > 0) {
      // Bytes caught in flight when the link went down are lost with it.
      this.queue = [];
      this.queuedBytes = 0;
      this.conn.tainted = true;
    }
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0].due <= now && this.writable) {
      const { chunk } = this.queue.shift() as { chunk: Buffer };
      this.queuedBytes -= chunk.length;
      this.writable = this.to.write(chunk);
    }
    if (this.queue.length > 0 && this.writable) {
      this.timer = setTimeout(() => this.flush(), Math.max(1, this.queue[0].due - now));
    }
    if (this.queue.length === 0 && this.ended) this.to.end();
    if (!this.writable || this.queuedBytes > DELAY_QUEUE_BYTES_MAX) this.from.pause();
    else this.from.resume();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
  }
}

class Connection {
  tainted = false;
  readonly pumps: Pump[];

  constructor(
    readonly net: FaultNet,
    readonly src: string,
    readonly dst: string,
    readonly client: Socket,
    readonly upstream: Socket,
  ) {
    this.pumps = [new Pump(this, client, upstream, src, dst), new Pump(this, upstream, client, dst, src)];
  }

  reset(): void {
    for (const p of this.pumps) p.stop();
    this.client.resetAndDestroy();
    this.upstream.resetAndDestroy();
  }
}

export interface FaultNetStats {
  connections: number;
  resets: number;
  identified: Record<string, number>;
  /** Bytes discarded by drop rules, by the party that sent them. */
  dropped: Record<string, number>;
}

export class FaultNet {
  private readonly endpoints: Endpoint[] = [];
  private readonly conns = new Set<Connection>();
  private readonly rules = new Map<string, FlowRule>();
  /** Processes the lab started, by party name, for telling who connects. */
  readonly processes = new Map<string, number>();
  /** Parties that `clients` stands for. */
  readonly clientParties = new Set<string>();
  readonly stats: FaultNetStats = { connections: 0, resets: 0, identified: {}, dropped: {} };

  /** Opens a proxy port for `party`'s listener at `target`; returns the port to advertise. */
  async listen(party: string, target: { host: string; port: number }): Promise<number> {
    const server = createServer({ noDelay: true, allowHalfOpen: true }, (client) =>
      this.accept(endpoint, client),
    );
    const endpoint: Endpoint = { party, server, port: 0, target };
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    endpoint.port = typeof address === 'object' && address ? address.port : 0;
    this.endpoints.push(endpoint);
    return endpoint.port;
  }

  /** Points the proxy port `port` at a new target (a node restarted on another port). */
  retarget(port: number, target: { host: string; port: number }): void {
    const e = this.endpoints.find((x) => x.port === port);
    if (!e) throw new Error(`no proxy listens on ${port}`);
    e.target = target;
  }

  private identify(client: Socket, ourPort: number): string {
    const peerPort = client.remotePort;
    if (peerPort === undefined) return 'lab';
    return ownerOf(peerPort, ourPort, this.processes) ?? 'lab';
  }

  private accept(endpoint: Endpoint, client: Socket): void {
    const src = this.identify(client, endpoint.port);
    this.stats.connections++;
    this.stats.identified[src] = (this.stats.identified[src] ?? 0) + 1;
    const upstream = netConnect({
      host: endpoint.target.host,
      port: endpoint.target.port,
      noDelay: true,
      allowHalfOpen: true,
    });
    const conn = new Connection(this, src, endpoint.party, client, upstream);
    this.conns.add(conn);
    const close = () => {
      if (!this.conns.delete(conn)) return;
      for (const p of conn.pumps) p.stop();
      client.destroy();
      upstream.destroy();
    };
    // A reset on one side becomes a reset on the other; a clean end is passed on as an end.
    client.on('error', () => {
      upstream.resetAndDestroy();
      close();
    });
    upstream.on('error', () => {
      client.resetAndDestroy();
      close();
    });
    client.on('close', close);
    upstream.on('close', close);
    for (const p of conn.pumps) p.flush();
  }

  private parties(name: string): string[] {
    return this.clientParties.has(name) ? [name, 'clients'] : [name];
  }

  /** The rule for bytes from `from` to `to` (a worker also matches `clients`). */
  flow(from: string, to: string): FlowRule {
    for (const f of this.parties(from)) {
      for (const t of this.parties(to)) {
        const r = this.rules.get(`${f}>${t}`);
        if (r) return r;
      }
    }
    return PASS;
  }

  /** Sets the rule for bytes from `from` to `to` and applies it to open connections at once. */
  setFlow(from: string, to: string, rule: Partial<FlowRule>): void {
    const key = `${from}>${to}`;
    const next = { ...(this.rules.get(key) ?? PASS), ...rule };
    if (next.mode === 'pass' && next.delayMs === 0) this.rules.delete(key);
    else this.rules.set(key, next);
    this.reapply();
  }

  /** Cuts both directions between two parties. */
  partition(a: string, b: string, mode: 'stall' | 'drop'): void {
    this.setFlow(a, b, { mode });
    this.setFlow(b, a, { mode });
  }

  /** Resets every open connection between two parties (ECONNRESET on both ends). */
  resetBetween(a: string, b: string): number {
    let n = 0;
    for (const c of [...this.conns]) {
      const parties = [this.parties(c.src), this.parties(c.dst)];
      const match =
        (parties[0].includes(a) && parties[1].includes(b)) ||
        (parties[0].includes(b) && parties[1].includes(a));
      if (match) {
        c.reset();
        n++;
      }
    }
    this.stats.resets += n;
    return n;
  }

  /**
   * Every link passes again. Connections that lost bytes are reset; stalled ones resume and deliver
   * what waited, unless `resetAll`, which resets every connection that a rule touched.
   */
  heal(options: { resetAll?: boolean } = {}): void {
    this.clearFlows(null, options);
  }

  /**
   * Lets bytes pass again between the given directed pairs (all pairs: null), resetting the
   * connections between them that lost bytes (with `resetAll`, every one a rule touched).
   */
  clearFlows(
    pairs: readonly (readonly [string, string])[] | null,
    options: { resetAll?: boolean } = {},
  ): void {
    const inPairs = (c: Connection) =>
      pairs === null ||
      pairs.some(
        ([a, b]) =>
          (this.parties(c.src).includes(a) && this.parties(c.dst).includes(b)) ||
          (this.parties(c.src).includes(b) && this.parties(c.dst).includes(a)),
      );
    const touched = [...this.conns].filter(
      (c) =>
        inPairs(c) &&
        (c.tainted ||
          (options.resetAll && (this.flow(c.src, c.dst) !== PASS || this.flow(c.dst, c.src) !== PASS))),
    );
    if (pairs === null) this.rules.clear();
    else for (const [a, b] of pairs) this.rules.delete(`${a}>${b}`);
    for (const c of touched) c.reset();
    this.stats.resets += touched.length;
    this.reapply();
  }

  private reapply(): void {
    for (const c of this.conns) for (const p of c.pumps) p.flush();
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.reset();
    this.conns.clear();
    await Promise.all(
      this.endpoints.map((e) => new Promise<void>((resolve) => e.server.close(() => resolve()))),
    );
  }
}
