// The channel from a node to the active controller (Kafka's broker-to-controller channel): a request
// goes to the controller this node believes active; an answer carrying NOT_CONTROLLER, a broken
// connection or a timeout sends it again, to the new active controller once the node learns of one
// (from the metadata log it follows, or by trying the other controllers in turn), until the caller's
// deadline. Used for broker registration and heartbeats, AlterPartition, forwarded admin requests
// (Envelope), producer id blocks and anything else only the active controller may answer.
import { hasErrorCode } from '../../protocol/error-response.js';
import type { Logger } from '../logger.js';
import { ConnectionPool, type PoolOptions } from './connection-pool.js';
import type { DeadlineTimer } from './deadline-timer.js';
import type { Body, Endpoint, NetResult, SendOptions } from './types.js';

export const NOT_CONTROLLER = 41;

export interface ControllerChannelOptions {
  /** The controllers by node id (controller.quorum.voters, or the voter set of the metadata log). */
  controllers: () => ReadonlyMap<number, Endpoint>;
  /** Addresses to try when no controller id is known (controller.quorum.bootstrap.servers). */
  bootstrap?: () => readonly Endpoint[];
  /** The active controller as this node knows it; -1 when it knows none. */
  activeController: () => number;
  clientId: string;
  log: Logger;
  timer?: DeadlineTimer;
  /** Whole-call deadline when a send gives none (Kafka: controller.socket.timeout.ms, 30 s). */
  requestTimeoutMs?: number;
  /** Pause before trying again when no controller is known or the last one refused (retry.backoff.ms). */
  retryBackoffMs?: number;
  connectTimeoutMs?: number;
  /** TLS and SASL of the connections (the controller listener's security). */
  peer?: Pick<PoolOptions, 'dial' | 'handshake'>;
}

/** Ids below this name bootstrap addresses, whose node id is not known. */
const BOOTSTRAP_ID_BASE = -1000;

export class ControllerChannel {
  private readonly pool: ConnectionPool;
  private readonly waiters = new Set<() => void>();
  private rotation = 0;
  private closed = false;
  private readonly requestTimeoutMs: number;
  private readonly retryBackoffMs: number;

  constructor(private readonly options: ControllerChannelOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.retryBackoffMs = options.retryBackoffMs ?? 50;
    this.pool = new ConnectionPool({
      clientId: options.clientId,
      log: options.log,
      timer: options.timer,
      connectTimeoutMs: options.connectTimeoutMs,
      ...options.peer,
      resolve: (id) =>
        id <= BOOTSTRAP_ID_BASE
          ? (options.bootstrap?.()[BOOTSTRAP_ID_BASE - id] ?? null)
          : (options.controllers().get(id) ?? null),
    });
  }

  /** The metadata log named a new active controller: retries waiting for one go now. */
  leaderChanged(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }

  /**
   * Sends to the active controller and resolves with its answer. An answer that still carries
   * NOT_CONTROLLER once the deadline passes is returned as it is, so the caller can pass the error on.
   */
  async send<T = unknown>(apiKey: number, body: Body, options: SendOptions = {}): Promise<NetResult<T>> {
    const deadline = Date.now() + (options.timeoutMs ?? this.requestTimeoutMs);
    let avoid: number | null = null;
    let last: NetResult<T> = {
      ok: false,
      error: { code: 'TIMEOUT', message: 'no controller answered in time', node: -1 },
    };
    while (!this.closed) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return last;
      const target = this.pickTarget(avoid);
      if (target === null) {
        last = {
          ok: false,
          error: { code: 'UNKNOWN_NODE', message: 'no controller address is known', node: -1 },
        };
        await this.pause(Math.min(remaining, this.retryBackoffMs));
        avoid = null;
        continue;
      }
      const r = await this.pool.send<T>(target, apiKey, body, { ...options, timeoutMs: remaining });
      if (r.ok && !hasErrorCode(r.body, NOT_CONTROLLER, 0)) return r;
      last = r;
      if (!r.ok && (r.error.code === 'UNSUPPORTED_VERSION' || r.error.code === 'CLOSED')) return r;
      avoid = target;
      await this.pause(Math.min(Math.max(0, deadline - Date.now()), this.retryBackoffMs));
    }
    return { ok: false, error: { code: 'CLOSED', message: 'controller channel closed', node: -1 } };
  }

  /** The active controller unless it just refused; else the next controller in turn. */
  private pickTarget(avoid: number | null): number | null {
    const active = this.options.activeController();
    const controllers = this.options.controllers();
    if (active >= 0 && active !== avoid && controllers.has(active)) return active;
    const ids = [...controllers.keys()].filter((id) => id !== avoid).sort((a, b) => a - b);
    const bootstrap = this.options.bootstrap?.() ?? [];
    const candidates =
      ids.length > 0 ? ids : bootstrap.map((_, i) => BOOTSTRAP_ID_BASE - i).filter((id) => id !== avoid);
    if (candidates.length === 0) return controllers.size === 1 ? [...controllers.keys()][0] : null;
    this.rotation = (this.rotation + 1) % candidates.length;
    return candidates[this.rotation];
  }

  /** Waits for news of a leader or the back-off, whichever comes first. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      t.unref();
      this.waiters.add(done);
    });
  }

  close(): void {
    this.closed = true;
    this.pool.close();
    this.leaderChanged();
  }
}

export { hasErrorCode };
