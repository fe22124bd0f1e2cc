// Client quotas as the broker enforces them (Kafka's ClientQuotaManager family): the quota in force for
// a connection's user and client id (QuotaTable's precedence over the image's ClientQuotaRecords); one
// sampled rate per quota entity as resolved — a quota set for `<default>` user gives each user a rate of
// their own, one set for alice is shared by all of alice's client ids; usage above the quota gives a
// throttle time, returned in the response's throttle_time_ms while the connection stops being read
// for that long (KIP-219).
//   producer_byte_rate        bytes of Produce requests
//   consumer_byte_rate        bytes of Fetch responses (a throttled fetch is answered empty)
//   request_percentage        time spent handling the client's requests, in percent of one thread
//   controller_mutation_rate  partitions created or deleted per second (CreateTopics, CreatePartitions,
//                             DeleteTopics), metered by a token bucket as in Kafka (a burst of the quota
//                             times the controller window, then the quota per second); from CreateTopics
//                             v6 / CreatePartitions v3 / DeleteTopics v5 a request from a client whose
//                             bucket is empty is refused with THROTTLING_QUOTA_EXCEEDED
import type { MetadataImage } from '../../metadata/image.js';
import type { StoredQuota } from '../../metadata/security-image.js';
import {
  type QuotaEntity,
  type QuotaKind,
  QuotaTable,
  type RateWindow,
  SampledRate,
  TokenBucket,
  throttleMs,
} from '../../security/quotas.js';

export interface QuotaSettings {
  /** quota.window.num and quota.window.size.seconds. */
  window: RateWindow;
  /** controller.quota.window.num and controller.quota.window.size.seconds. */
  controllerWindow: RateWindow;
}

/** Rates not used for this long are dropped (a client that went away). */
const SENSOR_IDLE_MS = 3_600_000;
/** At most this many rates are kept; the least recently used are dropped first. */
const SENSORS_MAX = 100_000;

interface Sensor {
  /** Byte and request-time quotas. */
  rate: SampledRate | null;
  /** controller_mutation_rate. */
  bucket: TokenBucket | null;
  lastUsedMs: number;
}

export interface ThrottleTotals {
  /** Sum and count of throttle times given, per quota kind (for metrics). */
  readonly byKind: Map<QuotaKind, { count: number; totalMs: number }>;
}

export class ClientQuotas implements ThrottleTotals {
  private table = new QuotaTable();
  private seen: ReadonlyMap<string, StoredQuota> | null = null;
  private readonly sensors = new Map<string, Sensor>();
  readonly byKind = new Map<QuotaKind, { count: number; totalMs: number }>();

  constructor(private readonly settings: QuotaSettings) {}

  /** Re-reads the quotas when the image's changed. */
  onImage(image: MetadataImage): void {
    if (image.security.quotas === this.seen) return;
    this.seen = image.security.quotas;
    const table = new QuotaTable();
    for (const q of image.security.quotas.values())
      for (const [key, value] of q.values) table.set(q.entity, key as QuotaKind, value);
    this.table = table;
    // Rates keyed by entities that no longer carry a quota are useless now.
    this.sensors.clear();
  }

  get enabled(): boolean {
    return this.table.size > 0;
  }

  /** The quota in force for this user and client id, or null. */
  quotaOf(kind: QuotaKind, user: string, clientId: string): number | null {
    return this.table.resolve(user, clientId, kind)?.value ?? null;
  }

  /**
   * Records `amount` against the client's quota of `kind`, and returns how long to throttle it (0
   * when under the quota or when no quota applies).
   */
  record(kind: QuotaKind, user: string, clientId: string, amount: number, nowMs: number): number {
    const resolved = this.table.resolve(user, clientId, kind);
    if (!resolved) return 0;
    const sensor = this.sensor(kind, sensorKey(kind, resolved.entity, user, clientId), nowMs);
    let ms: number;
    if (sensor.bucket) {
      // Kafka does not bound a mutation throttle: it is the time the bucket takes to refill to zero.
      sensor.bucket.record(amount, resolved.value, nowMs);
      ms = sensor.bucket.throttleMs(resolved.value, nowMs);
    } else {
      (sensor.rate as SampledRate).record(amount, nowMs);
      ms = this.rateThrottleMs(kind, sensor.rate as SampledRate, resolved.value, nowMs);
    }
    if (ms > 0) {
      const t = this.byKind.get(kind) ?? { count: 0, totalMs: 0 };
      t.count++;
      t.totalMs += ms;
      this.byKind.set(kind, t);
    }
    return ms;
  }

  /** Takes back an amount recorded for a response that was not sent (a throttled fetch). */
  unrecord(kind: QuotaKind, user: string, clientId: string, amount: number, nowMs: number): void {
    const resolved = this.table.resolve(user, clientId, kind);
    if (!resolved) return;
    this.sensor(kind, sensorKey(kind, resolved.entity, user, clientId), nowMs).rate?.record(-amount, nowMs);
  }

  /** Whether the client is over its quota already (strict controller mutation checks): its throttle time. */
  exceeded(kind: QuotaKind, user: string, clientId: string, nowMs: number): number {
    const resolved = this.table.resolve(user, clientId, kind);
    if (!resolved) return 0;
    const sensor = this.sensor(kind, sensorKey(kind, resolved.entity, user, clientId), nowMs);
    if (sensor.bucket) return sensor.bucket.throttleMs(resolved.value, nowMs);
    return this.rateThrottleMs(kind, sensor.rate as SampledRate, resolved.value, nowMs);
  }

  /** The throttle time a rate over its quota gives: Kafka bounds a request-time throttle by one sample, a byte throttle by the window. */
  private rateThrottleMs(kind: QuotaKind, rate: SampledRate, quota: number, nowMs: number): number {
    const w = this.settings.window;
    const boundMs = kind === 'request_percentage' ? w.sampleMs : w.samples * w.sampleMs;
    return throttleMs(rate.perSecond(nowMs), quota, rate.windowMs(nowMs), boundMs);
  }

  /** The most bytes a fetch may return within one window at the client's consumer quota (Kafka's bound). */
  fetchBytesMax(user: string, clientId: string): number {
    const quota = this.quotaOf('consumer_byte_rate', user, clientId);
    if (quota === null) return Number.MAX_SAFE_INTEGER;
    return Math.max(
      1,
      Math.floor((quota * (this.settings.window.samples * this.settings.window.sampleMs)) / 1000),
    );
  }

  private sensor(kind: QuotaKind, key: string, nowMs: number): Sensor {
    let s = this.sensors.get(key);
    if (!s) {
      if (this.sensors.size >= SENSORS_MAX) this.evict(nowMs);
      s =
        kind === 'controller_mutation_rate'
          ? { rate: null, bucket: new TokenBucket(this.settings.controllerWindow, nowMs), lastUsedMs: nowMs }
          : { rate: new SampledRate(this.settings.window, nowMs), bucket: null, lastUsedMs: nowMs };
      this.sensors.set(key, s);
    } else {
      // Keep the map in least-recently-used order.
      this.sensors.delete(key);
      this.sensors.set(key, s);
    }
    s.lastUsedMs = nowMs;
    return s;
  }

  private evict(nowMs: number): void {
    for (const [key, s] of this.sensors) {
      if (this.sensors.size < SENSORS_MAX && nowMs - s.lastUsedMs < SENSOR_IDLE_MS) break;
      this.sensors.delete(key);
    }
  }
}

/** The rate's key: the entity that set the quota, its `<default>` parts replaced by this client's names. */
function sensorKey(kind: QuotaKind, entity: QuotaEntity, user: string, clientId: string): string {
  const u = entity.user === undefined ? '' : `u=${entity.user ?? user}`;
  const c = entity.clientId === undefined ? '' : `c=${entity.clientId ?? clientId}`;
  return `${kind}|${u}|${c}`;
}
