// Replica placement, the way KRaft's StripedReplicaPlacer does it. Brokers are grouped by rack
// (`broker.rack`; no rack is a rack of its own); each partition takes its first replica (its preferred
// leader) from the next rack in turn among unfenced brokers, and the other replicas from the racks that
// follow, one per rack, preferring unfenced brokers and using fenced ones only when a rack has no other.
// Racks and brokers start at random offsets, and after as many partitions as there are unfenced brokers
// the orders are shuffled, so leaders and followers spread evenly over the cluster and its racks.
// Brokers in controlled shutdown are not used. The randomness is injected (the controller passes
// Math.random, tests a seeded generator).

export interface PlaceableBroker {
  id: number;
  rack: string | null;
  fenced: boolean;
}

/** An integer in [0, bound). */
export type RandomInt = (bound: number) => number;

export type Placement = { ok: true; assignment: number[][] } | { ok: false; message: string };

class BrokerList {
  readonly brokers: number[] = [];
  private index = 0;
  private offset = 0;
  private epoch = 0;

  init(random: RandomInt): void {
    if (this.brokers.length === 0) return;
    this.brokers.sort((a, b) => a - b);
    this.offset = random(this.brokers.length);
  }

  shuffle(random: RandomInt): void {
    shuffleInPlace(this.brokers, random);
  }

  /** The next broker of this epoch, or -1 when every broker of the list was handed out in it. */
  next(epoch: number): number {
    const n = this.brokers.length;
    if (n === 0) return -1;
    if (this.epoch !== epoch) {
      this.epoch = epoch;
      this.index = 0;
      this.offset = (this.offset + 1) % n;
    }
    if (this.index >= n) return -1;
    return this.brokers[(this.index++ + this.offset) % n];
  }
}

class Rack {
  readonly fenced = new BrokerList();
  readonly unfenced = new BrokerList();

  next(epoch: number): number {
    const r = this.unfenced.next(epoch);
    return r >= 0 ? r : this.fenced.next(epoch);
  }
}

function shuffleInPlace<T>(items: T[], random: RandomInt): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
}

/** Rack names sort with "no rack" first, then by name (Kafka's OptionalStringComparator). */
function compareRacks(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

export class StripedPlacer {
  private readonly racks = new Map<string | null, Rack>();
  private readonly rackNames: (string | null)[] = [];
  private readonly total: number;
  private readonly unfenced: number;
  private epoch = 0;
  private offset: number;

  constructor(
    brokers: readonly PlaceableBroker[],
    private readonly random: RandomInt,
  ) {
    let unfenced = 0;
    for (const b of brokers) {
      let rack = this.racks.get(b.rack);
      if (!rack) {
        rack = new Rack();
        this.racks.set(b.rack, rack);
        this.rackNames.push(b.rack);
      }
      if (b.fenced) rack.fenced.brokers.push(b.id);
      else {
        rack.unfenced.brokers.push(b.id);
        unfenced++;
      }
    }
    for (const rack of this.racks.values()) {
      rack.fenced.init(random);
      rack.unfenced.init(random);
    }
    this.rackNames.sort(compareRacks);
    this.total = brokers.length;
    this.unfenced = unfenced;
    this.offset = this.rackNames.length === 0 ? 0 : random(this.rackNames.length);
  }

  /** Why `replicationFactor` replicas cannot be placed, with Kafka's messages; null when they can. */
  problem(replicationFactor: number): string | null {
    if (replicationFactor <= 0)
      return `Invalid replication factor ${replicationFactor}: the replication factor must be positive.`;
    if (this.unfenced === 0) return 'All brokers are currently fenced.';
    if (replicationFactor > this.total)
      return `The target replication factor of ${replicationFactor} cannot be reached because only ${this.total} broker(s) are registered.`;
    return null;
  }

  /** Replicas for `partitions` more partitions. */
  place(partitions: number, replicationFactor: number): Placement {
    const problem = this.problem(replicationFactor);
    if (problem) return { ok: false, message: problem };
    const assignment: number[][] = [];
    for (let p = 0; p < partitions; p++) assignment.push(this.placeOne(replicationFactor));
    return { ok: true, assignment };
  }

  private placeOne(replicationFactor: number): number[] {
    const names = this.rackNames;
    if (this.epoch === this.unfenced && this.unfenced > 1) {
      shuffleInPlace(names, this.random);
      for (const rack of this.racks.values()) {
        rack.fenced.shuffle(this.random);
        rack.unfenced.shuffle(this.random);
      }
      this.epoch = 0;
    }
    if (this.offset === names.length) this.offset = 0;
    const out: number[] = [];
    // The first replica (the preferred leader) must be unfenced.
    let first = this.offset;
    for (;;) {
      const r = (this.racks.get(names[first]) as Rack).unfenced.next(this.epoch);
      if (r >= 0) {
        out.push(r);
        break;
      }
      first = (first + 1) % names.length;
    }
    let rackIndex = this.offset;
    for (let replica = 1; replica < replicationFactor; replica++) {
      let r = -1;
      do {
        if (rackIndex === first) first = -1;
        else r = (this.racks.get(names[rackIndex]) as Rack).next(this.epoch);
        rackIndex = (rackIndex + 1) % names.length;
      } while (r < 0);
      out.push(r);
    }
    this.epoch++;
    this.offset++;
    return out;
  }
}
