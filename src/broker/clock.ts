// Time and timers for everything time-driven in a node: group session and rebalance timeouts, parked
// fetches, retention and other log background work, LogAppendTime. Injected so that tests can move time
// by hand (the embedded broker's ManualClock). Connections keep wall-clock time: idle sweeps and
// shutdown drains are about real sockets.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `delayMs`; the timer never keeps the process alive. */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
}

/** The wall clock and unref'd timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
