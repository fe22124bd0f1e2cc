// One timer for every deadline of the broker's outgoing connections (request timeouts, connect
// timeouts, reconnect back-off), instead of a setTimeout per request. Each registered party tells
// the timer its earliest deadline; the timer keeps a single unref'd setTimeout armed for the
// earliest of them all and calls every party whose deadline has come.

/** Something with deadlines: called at (or shortly after) the deadline it last announced. */
export interface DeadlineParty {
  onDeadline(nowMs: number): void;
}

/** Wall-clock milliseconds; deadlines concern real sockets, so no injected clock. */
export const wallClockMs = (): number => Date.now();

export class DeadlineTimer {
  private readonly deadlines = new Map<DeadlineParty, number>();
  private timer: NodeJS.Timeout | null = null;
  private armedAt = Number.POSITIVE_INFINITY;

  /**
   * @param resolutionMs deadlines closer together than this are served by one wake-up, so a burst
   *   of requests with nearly equal deadlines costs one timer callback.
   */
  constructor(
    private readonly resolutionMs = 5,
    private readonly now: () => number = wallClockMs,
  ) {}

  /** Sets (or moves) the earliest deadline of `party`; null forgets it. */
  schedule(party: DeadlineParty, atMs: number | null): void {
    if (atMs === null || !Number.isFinite(atMs)) {
      this.deadlines.delete(party);
      if (this.deadlines.size === 0) this.disarm();
      return;
    }
    this.deadlines.set(party, atMs);
    if (atMs < this.armedAt) this.arm(atMs);
  }

  /** How many parties have a deadline (for tests and metrics). */
  get size(): number {
    return this.deadlines.size;
  }

  private arm(atMs: number): void {
    this.disarm();
    this.armedAt = atMs;
    const delay = Math.max(0, atMs - this.now());
    this.timer = setTimeout(() => this.fire(), delay + this.resolutionMs);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedAt = Number.POSITIVE_INFINITY;
  }

  private fire(): void {
    this.timer = null;
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    const due: DeadlineParty[] = [];
    for (const [party, at] of this.deadlines) if (at <= now) due.push(party);
    // A party re-announces its next deadline from onDeadline, if it has one.
    for (const party of due) this.deadlines.delete(party);
    for (const party of due) party.onDeadline(now);
    let next = Number.POSITIVE_INFINITY;
    for (const at of this.deadlines.values()) if (at < next) next = at;
    if (next < this.armedAt && Number.isFinite(next)) this.arm(next);
  }

  /** Forgets every deadline. */
  stop(): void {
    this.deadlines.clear();
    this.disarm();
  }
}
