// A clock a test moves by hand. By default it also flows with real time, so that everything a client
// relies on keeps happening (a parked fetch still answers after its max wait, a rebalance still
// completes) while `advance()` jumps over an hour of retention or a session timeout at once. Frozen, it
// moves only when told to, as Kafka's MockTime does (a timer set with no delay still fires at once).
import { type Clock, systemClock, type TimerHandle } from '../broker/clock.js';

export type { Clock, TimerHandle };
export { systemClock };

export interface ManualClockOptions {
  /** The time it starts at (ms since the epoch; default now). */
  startMs?: number;
  /** Frozen: time moves only by `advance` / `advanceTo` (default false: it also flows in real time). */
  frozen?: boolean;
}

interface Timer {
  dueMs: number;
  seq: number;
  fn: () => unknown;
  cancelled: boolean;
}

export class ManualClock implements Clock {
  /** Frozen: the current time. Flowing: the gap between this clock and the wall clock. */
  private base: number;
  private readonly frozen: boolean;
  /** While `advance` fires timers, time stands at each timer's due time. */
  private pinnedMs: number | null = null;
  private timers: Timer[] = [];
  private seq = 0;
  private realTimer: NodeJS.Timeout | null = null;
  private realTimerAtMs = Number.POSITIVE_INFINITY;
  private advancing: Promise<void> = Promise.resolve();

  constructor(options: ManualClockOptions = {}) {
    this.frozen = options.frozen ?? false;
    const start = options.startMs ?? Date.now();
    this.base = this.frozen ? start : start - Date.now();
  }

  now(): number {
    if (this.pinnedMs !== null) return this.pinnedMs;
    return this.frozen ? this.base : Date.now() + this.base;
  }

  /** Timers not yet fired nor cancelled. */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer: Timer = { dueMs: this.now() + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    this.armRealTimer();
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in due order, with the
   * clock standing at each timer's due time while it runs. A timer whose callback returns a promise
   * (a retention pass) is waited for, and pending I/O gets a turn, before the next one fires, so what
   * the broker does at those times is done when this resolves.
   */
  advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance: ${ms} is not a duration (ms >= 0)`);
    return this.queue(() => this.now() + ms);
  }

  /** Moves time forward to `timeMs` (ms since the epoch), as `advance` does. */
  advanceTo(timeMs: number): Promise<void> {
    if (!(timeMs >= this.now()))
      throw new RangeError(`advanceTo: ${timeMs} is in the past; a clock only goes forward`);
    return this.queue(() => timeMs);
  }

  /** Advances run one after another; each computes its target when its turn comes. */
  private queue(target: () => number): Promise<void> {
    const run = this.advancing.then(() => this.runUntil(Math.max(target(), this.now())));
    this.advancing = run.catch(() => undefined);
    return run;
  }

  private async runUntil(targetMs: number): Promise<void> {
    try {
      for (;;) {
        const next = this.nextDue();
        if (!next || next.dueMs > targetMs) break;
        this.pinnedMs = Math.max(this.pinnedMs ?? this.now(), next.dueMs);
        await this.fire(next);
      }
    } finally {
      this.pinnedMs = null;
    }
    this.base = this.frozen ? targetMs : targetMs - Date.now();
    this.armRealTimer();
  }

  private nextDue(): Timer | undefined {
    this.timers = this.timers.filter((t) => !t.cancelled);
    let best: Timer | undefined;
    for (const t of this.timers) {
      if (!best || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.seq < best.seq)) best = t;
    }
    return best;
  }

  private async fire(timer: Timer): Promise<void> {
    timer.cancelled = true;
    const result = timer.fn();
    if (result instanceof Promise) await result;
    // Let I/O callbacks and promise chains started by the timer run before time moves on.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /**
   * One real timer for the earliest timer, so timers also fire as real time passes. Frozen, only a
   * timer already due (a zero delay) fires by itself: time stands still, but "now" still comes.
   */
  private armRealTimer(): void {
    if (this.pinnedMs !== null) return;
    const next = this.nextDue();
    if (!next) return;
    if (this.frozen && next.dueMs > this.now()) return;
    if (this.realTimer && next.dueMs >= this.realTimerAtMs) return;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimerAtMs = next.dueMs;
    this.realTimer = setTimeout(() => this.onRealTimer(), Math.max(0, next.dueMs - this.now()));
    this.realTimer.unref();
  }

  private onRealTimer(): void {
    this.realTimer = null;
    this.realTimerAtMs = Number.POSITIVE_INFINITY;
    if (this.pinnedMs !== null) return; // advance() is firing timers; it re-arms when done
    const now = this.now();
    for (;;) {
      const next = this.nextDue();
      if (!next || next.dueMs > now) break;
      next.cancelled = true;
      next.fn();
    }
    this.armRealTimer();
  }
}
