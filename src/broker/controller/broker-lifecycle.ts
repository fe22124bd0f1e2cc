// A broker's life as the controller sees it (Kafka's BrokerLifecycleManager): it registers (getting
// its broker epoch), heartbeats every broker.heartbeat.interval.ms, is unfenced once it has replayed
// the metadata log up to its own registration, and on a clean stop asks for a controlled shutdown and
// waits until the controller has moved its leaderships away. A heartbeat goes out at once (not at the
// next interval) when the broker catches up, so a starting broker is ready in milliseconds.
import { randomUUID } from 'node:crypto';
import { ErrorCode, errorInfo } from '../../protocol/errors.js';
import type {
  BrokerHeartbeatResponse,
  BrokerRegistrationRequest,
  BrokerRegistrationResponse,
} from '../../protocol/messages/index.js';
import type { Logger } from '../logger.js';
import type { ControllerChannel } from '../net/index.js';
import type { MetadataPublisher } from './metadata-publisher.js';

const API = { BrokerRegistration: 62, BrokerHeartbeat: 63 } as const;

export type LifecycleState = 'starting' | 'fenced' | 'running' | 'shutting-down' | 'stopped';

export interface LifecycleOptions {
  nodeId: number;
  clusterId: string;
  channel: ControllerChannel;
  publisher: MetadataPublisher;
  log: Logger;
  registration: Omit<BrokerRegistrationRequest, 'brokerId' | 'clusterId' | 'incarnationId'>;
  heartbeatIntervalMs: number;
  /** initial.broker.registration.timeout.ms */
  registrationTimeoutMs: number;
}

/** Registration refused for good (another cluster): the broker must not go on. */
export class RegistrationRefused extends Error {}

export class BrokerLifecycle {
  /** A new id per process start (a UUID, as Kafka's), so the controller tells restarts apart. */
  readonly incarnationId: string;
  brokerEpoch = -1;
  state: LifecycleState = 'starting';
  /** When the last heartbeat the controller answered was sent (0: none yet). */
  lastAnsweredSentAtMs = 0;
  private wantShutDown = false;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  /** A heartbeat was asked for while one was on its way: send the next one at once. */
  private again = false;
  private unfencedWaiters: ((ok: boolean) => void)[] = [];
  private shutdownWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly o: LifecycleOptions) {
    this.incarnationId = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
  }

  /** Registers, then heartbeats until unfenced. Rejects with a readable reason when it cannot. */
  async start(): Promise<void> {
    const deadline = Date.now() + this.o.registrationTimeoutMs;
    while (!this.stopped) {
      const problem = await this.register(deadline - Date.now());
      if (problem === null) break;
      if (problem instanceof RegistrationRefused) throw problem;
      if (Date.now() >= deadline)
        throw new Error(
          `broker ${this.o.nodeId} could not register with the controller quorum within ${this.o.registrationTimeoutMs} ms: ${problem}`,
        );
      await sleep(Math.min(500, Math.max(10, deadline - Date.now())));
    }
    this.state = 'fenced';
    // Catching up with the registration record is what unfencing waits for: say so at once.
    void this.o.publisher
      .waitFor((img) => img.offset >= this.brokerEpoch, 60_000)
      .then(() => this.heartbeatNow());
    this.heartbeatNow();
    const ok = await new Promise<boolean>((resolve) => this.unfencedWaiters.push(resolve));
    if (!ok && !this.stopped) throw new Error(`broker ${this.o.nodeId} was not unfenced`);
  }

  /** null once registered; the problem otherwise. */
  private async register(timeoutMs: number): Promise<string | RegistrationRefused | null> {
    const req: BrokerRegistrationRequest = {
      ...this.o.registration,
      brokerId: this.o.nodeId,
      clusterId: this.o.clusterId,
      incarnationId: this.incarnationId,
    };
    const r = await this.o.channel.send<BrokerRegistrationResponse>(API.BrokerRegistration, req, {
      timeoutMs: Math.max(100, Math.min(timeoutMs, 10_000)),
    });
    if (!r.ok) return r.error.message;
    const code = r.body.errorCode;
    if (code === ErrorCode.NONE) {
      this.brokerEpoch = r.body.brokerEpoch;
      this.o.log.info('registered with the controller', { brokerEpoch: this.brokerEpoch });
      return null;
    }
    if (code === ErrorCode.INCONSISTENT_CLUSTER_ID)
      return new RegistrationRefused(
        `node ${this.o.nodeId} belongs to cluster ${this.o.clusterId}, but the controller quorum is another cluster; this log dir was formatted for a different cluster`,
      );
    if (code === ErrorCode.UNSUPPORTED_VERSION)
      return new RegistrationRefused(`registration refused: ${errorInfo(code).message}`);
    return `${errorInfo(code).name}`;
  }

  /** Sends a heartbeat now, unless one is already on its way. */
  heartbeatNow(): void {
    if (this.stopped) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight = this.heartbeat().finally(() => {
      this.inFlight = null;
      if (this.again) {
        this.again = false;
        this.heartbeatNow();
      } else this.schedule();
    });
  }

  private schedule(): void {
    if (this.stopped || this.state === 'stopped') return;
    const delay =
      this.state === 'shutting-down' ? Math.min(100, this.o.heartbeatIntervalMs) : this.o.heartbeatIntervalMs;
    this.timer = setTimeout(() => this.heartbeatNow(), delay);
    this.timer.unref();
  }

  private async heartbeat(): Promise<void> {
    const sentAtMs = Date.now();
    // How far this broker has caught up: what its components have applied (Kafka: the published offset).
    const image = this.o.publisher.image;
    const r = await this.o.channel.send<BrokerHeartbeatResponse>(
      API.BrokerHeartbeat,
      {
        brokerId: this.o.nodeId,
        brokerEpoch: this.brokerEpoch,
        currentMetadataOffset: image.offset,
        wantFence: false,
        wantShutDown: this.wantShutDown,
        offlineLogDirs: [],
      },
      { timeoutMs: Math.max(this.o.heartbeatIntervalMs, 2000) },
    );
    if (this.stopped) return;
    if (!r.ok) {
      this.o.log.debug('heartbeat failed', { err: r.error.message });
      return;
    }
    const res = r.body;
    if (
      res.errorCode === ErrorCode.STALE_BROKER_EPOCH ||
      res.errorCode === ErrorCode.BROKER_ID_NOT_REGISTERED
    ) {
      // The controller lost our registration (unregistered, or a newer one won): register again.
      this.o.log.warn('the controller does not know this broker epoch; registering again', {
        brokerEpoch: this.brokerEpoch,
      });
      const problem = await this.register(10_000);
      if (problem instanceof RegistrationRefused) this.o.log.error(problem.message);
      return;
    }
    if (res.errorCode !== ErrorCode.NONE) return;
    this.lastAnsweredSentAtMs = sentAtMs;
    if (res.shouldShutDown) {
      this.state = 'stopped';
      for (const w of this.shutdownWaiters.splice(0)) w();
      return;
    }
    if (this.state === 'fenced' && !res.isFenced) {
      this.state = 'running';
      this.o.log.info('unfenced by the controller');
      for (const w of this.unfencedWaiters.splice(0)) w(true);
    } else if (this.state === 'running' && res.isFenced) {
      this.state = 'fenced';
      this.o.log.warn('fenced by the controller');
    }
  }

  /** Asks for a controlled shutdown; resolves once the controller agrees or the time is up. */
  async controlledShutdown(timeoutMs: number): Promise<boolean> {
    if (this.stopped || this.brokerEpoch < 0 || this.state === 'stopped') return false;
    this.wantShutDown = true;
    this.state = 'shutting-down';
    const agreed = new Promise<boolean>((resolve) => {
      this.shutdownWaiters.push(() => resolve(true));
      setTimeout(() => resolve(false), timeoutMs);
    });
    this.heartbeatNow();
    const ok = await agreed;
    this.o.log.info(ok ? 'controlled shutdown granted' : 'controlled shutdown timed out', {});
    return ok;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.unfencedWaiters.splice(0)) w(false);
    for (const w of this.shutdownWaiters.splice(0)) w();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
