// Client quotas as Kafka enforces them: a quota is set for a user, a client id, or both (each may
// also be the `<default>` entity); a connection's quota for a kind (`producer_byte_rate`,
// `consumer_byte_rate`, `request_percentage`, `controller_mutation_rate`) is the most specific one
// that is set, in Kafka's order of precedence. Usage is a rate over `quota.window.num` samples of
// `quota.window.size.seconds`; going over it gives a throttle time proportional to the excess, which
// the broker returns in the response and waits out before reading the connection again (KIP-219).

export const QUOTA_KINDS = [
  'producer_byte_rate',
  'consumer_byte_rate',
  'request_percentage',
  'controller_mutation_rate',
] as const;
export type QuotaKind = (typeof QUOTA_KINDS)[number];

/** An entity of a quota: each part is a name, `null` for the `<default>` entity, or absent. */
export interface QuotaEntity {
  user?: string | null;
  clientId?: string | null;
}

export function entityKey(e: QuotaEntity): string {
  const part = (v: string | null | undefined) => (v === undefined ? '-' : v === null ? '<default>' : `=${v}`);
  return `user${part(e.user)}|client${part(e.clientId)}`;
}

/**
 * The entities to look in, most specific first (Kafka's precedence):
 * user+client, user+default client, user, default user+client, default user+default client,
 * default user, client, default client.
 */
export function precedence(user: string, clientId: string): QuotaEntity[] {
  return [
    { user, clientId },
    { user, clientId: null },
    { user },
    { user: null, clientId },
    { user: null, clientId: null },
    { user: null },
    { clientId },
    { clientId: null },
  ];
}

export class QuotaTable {
  private readonly byEntity = new Map<string, Map<QuotaKind, number>>();

  set(entity: QuotaEntity, kind: QuotaKind, value: number | null): void {
    const key = entityKey(entity);
    const values = this.byEntity.get(key) ?? new Map<QuotaKind, number>();
    if (value === null) values.delete(kind);
    else values.set(kind, value);
    if (values.size === 0) this.byEntity.delete(key);
    else this.byEntity.set(key, values);
  }

  /** The quota in force for a connection, with the entity that set it; null when none is set. */
  resolve(user: string, clientId: string, kind: QuotaKind): { value: number; entity: QuotaEntity } | null {
    // Unauthenticated connections are User:ANONYMOUS, a user like any other here, as in Kafka.
    for (const entity of precedence(user, clientId)) {
      const value = this.byEntity.get(entityKey(entity))?.get(kind);
      if (value !== undefined) return { value, entity };
    }
    return null;
  }

  get size(): number {
    return this.byEntity.size;
  }
}

export interface RateWindow {
  /** quota.window.num (Kafka: 11). */
  samples: number;
  /** quota.window.size.seconds in ms (Kafka: 1000). */
  sampleMs: number;
}

export const DEFAULT_RATE_WINDOW: RateWindow = { samples: 11, sampleMs: 1000 };

/** A sampled rate (Kafka's Rate over a SampledStat): per-second usage over the last N samples. */
export class SampledRate {
  private readonly totals: number[];
  private readonly starts: number[];
  private current = 0;

  constructor(
    private readonly window: RateWindow,
    now: number,
  ) {
    this.totals = new Array(window.samples).fill(0);
    this.starts = new Array(window.samples).fill(now);
  }

  record(amount: number, now: number): void {
    this.roll(now);
    this.totals[this.current] += amount;
  }

  private roll(now: number): void {
    if (now - this.starts[this.current] < this.window.sampleMs) return;
    // Move to the next sample, clearing every sample that has aged out of the window.
    const expiredBefore = now - this.window.samples * this.window.sampleMs;
    this.current = (this.current + 1) % this.window.samples;
    this.totals[this.current] = 0;
    this.starts[this.current] = now;
    for (let i = 0; i < this.window.samples; i++)
      if (this.starts[i] <= expiredBefore) {
        this.totals[i] = 0;
        this.starts[i] = now;
      }
  }

  /** Usage per second over the window (see windowMs). */
  perSecond(now: number): number {
    this.roll(now);
    let total = 0;
    for (let i = 0; i < this.window.samples; i++) total += this.totals[i];
    const elapsedMs = this.windowMs(now);
    return elapsedMs <= 0 ? 0 : (total * 1000) / elapsedMs;
  }

  /**
   * The window the rate is taken over, as Kafka's Rate.windowSize computes it: the time since the
   * oldest sample began, plus one sample length for each of the N-1 whole samples not yet seen (so
   * a new client is not measured over a few milliseconds).
   */
  windowMs(now: number): number {
    this.roll(now);
    let oldest = now;
    for (const s of this.starts) if (s < oldest) oldest = s;
    let elapsedMs = now - oldest;
    const fullSamples = Math.floor(elapsedMs / this.window.sampleMs);
    const minFullSamples = this.window.samples - 1;
    if (fullSamples < minFullSamples) elapsedMs += (minFullSamples - fullSamples) * this.window.sampleMs;
    return elapsedMs;
  }
}

/**
 * How long to throttle a client whose rate is `observed` against a `quota` (both per second): the
 * time it must stay silent for its rate over the window to fall back to the quota, at most the window.
 */
export function throttleMs(observed: number, quota: number, windowMs: number, maxMs: number): number {
  if (quota <= 0 || observed <= quota) return 0;
  return Math.min(Math.round(((observed - quota) / quota) * windowMs), maxMs);
}

/**
 * The APIs that create or delete partitions (charged to controller_mutation_rate), and the version from
 * which each is "strict" (KIP-599): a topic met by an empty bucket is refused with
 * THROTTLING_QUOTA_EXCEEDED instead of being served and throttled afterwards.
 */
export const MUTATION_STRICT_FROM_VERSION: ReadonlyMap<number, number> = new Map([
  [19, 6], // CreateTopics
  [20, 5], // DeleteTopics
  [37, 3], // CreatePartitions
]);

/**
 * Kafka's TokenBucket, which meters controller_mutation_rate (KIP-599): it starts full with a burst of
 * quota × the window's length in tokens, refills at the quota per second up to that burst, and each
 * mutation takes a token. Below zero the client is over its quota until the bucket refills to zero.
 */
export class TokenBucket {
  private tokens = Number.POSITIVE_INFINITY;
  private lastMs: number;

  constructor(
    private readonly window: RateWindow,
    now: number,
  ) {
    this.lastMs = now;
  }

  /** Takes `amount` tokens (refilled first), whatever is left. */
  record(amount: number, quota: number, now: number): void {
    this.refill(quota, now);
    this.tokens -= amount;
  }

  /** The throttle time the bucket's deficit gives: how long until it refills to zero (0 when not short). */
  throttleMs(quota: number, now: number): number {
    this.refill(quota, now);
    if (this.tokens >= 0 || quota <= 0) return 0;
    return Math.round((-this.tokens / quota) * 1000);
  }

  private refill(quota: number, now: number): void {
    const burst = (quota * this.window.samples * this.window.sampleMs) / 1000;
    this.tokens = Math.min(burst, this.tokens + (quota * Math.max(0, now - this.lastMs)) / 1000);
    this.lastMs = now;
  }
}
