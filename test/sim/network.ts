import type { Message } from '../../src/raft/index.js';
import type { SeededRng } from '../../src/raft/rng.js';

/** Fault settings of the simulated network; rates are per message. */
export interface NetworkFaults {
  dropRate: number;
  duplicateRate: number;
  /** Ordinary delay is 1..delayTicksMax ticks; messages with different delays overtake each other. */
  delayTicksMax: number;
  /** Probability and size of an occasional long delay, which delivers very stale messages. */
  spikeRate: number;
  spikeTicksMax: number;
}

export interface InFlight {
  msg: Message;
  /** Incarnation of the receiver when sent: a restarted replica has new connections, old answers die. */
  toIncarnation: number;
}

const HORIZON = 64;

/**
 * Messages in flight, bucketed by delivery tick (a ring of HORIZON ticks). A blocked link drops at
 * delivery time, so a partition also catches what was already on the wire.
 */
export class SimNetwork {
  private readonly buckets: InFlight[][] = Array.from({ length: HORIZON }, () => []);
  private readonly blocked = new Set<number>();
  inFlightCount = 0;

  constructor(
    private readonly rng: SeededRng,
    public faults: NetworkFaults,
  ) {}

  send(msg: Message, nowTick: number, toIncarnation: number): void {
    const f = this.faults;
    if (this.rng.chance(f.dropRate)) return;
    const copies = this.rng.chance(f.duplicateRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      let delay = 1 + this.rng.nextInt(f.delayTicksMax);
      if (this.rng.chance(f.spikeRate)) delay += this.rng.nextInt(f.spikeTicksMax);
      delay = Math.min(delay, HORIZON - 1);
      this.buckets[(nowTick + delay) % HORIZON].push({ msg, toIncarnation });
      this.inFlightCount++;
    }
  }

  /** Messages due at this tick, in a shuffled order, minus those on blocked links. */
  takeDue(nowTick: number): InFlight[] {
    const slot = nowTick % HORIZON;
    const due = this.buckets[slot];
    if (due.length === 0) return due;
    this.buckets[slot] = [];
    this.inFlightCount -= due.length;
    for (let i = due.length - 1; i > 0; i--) {
      const j = this.rng.nextInt(i + 1);
      const t = due[i];
      due[i] = due[j];
      due[j] = t;
    }
    return this.blocked.size === 0 ? due : due.filter((d) => !this.isBlocked(d.msg.from, d.msg.to));
  }

  isBlocked(from: number, to: number): boolean {
    return this.blocked.has(from * 1024 + to);
  }

  block(from: number, to: number): void {
    this.blocked.add(from * 1024 + to);
  }

  /** Cuts every link between the two groups, both ways. */
  split(a: number[], b: number[]): void {
    for (const x of a) {
      for (const y of b) {
        this.block(x, y);
        this.block(y, x);
      }
    }
  }

  healAll(): void {
    this.blocked.clear();
  }

  get partitioned(): boolean {
    return this.blocked.size > 0;
  }

  describeBlocked(): string {
    return [...this.blocked].map((k) => `${Math.floor(k / 1024)}-x->${k % 1024}`).join(' ');
  }
}
