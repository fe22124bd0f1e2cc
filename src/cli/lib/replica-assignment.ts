// Kafka's replica assignment for new partition layouts (AdminUtils.assignReplicasToBrokers), used by
// `kafka-reassign-partitions.sh --generate`: partition p's first replica walks the broker list from a
// random start, the others follow at a shift that grows each time the list wraps, so leaders and
// followers spread evenly. The rack-aware form alternates racks in the broker list and never puts two
// replicas of a partition in one rack while another rack has none.
import { CommandError } from '../args.js';

export interface BrokerRack {
  id: number;
  rack: string | null;
}

/** A random integer in [0, n): injected so tests can fix it. */
export type Random = (n: number) => number;

const defaultRandom: Random = (n) => Math.floor(Math.random() * n);

function replicaIndex(first: number, shift: number, j: number, n: number): number {
  return (first + 1 + ((shift + j) % (n - 1))) % n;
}

/** Replica lists for partitions 0..partitions-1 of one topic. */
export function assignReplicas(
  brokers: readonly BrokerRack[],
  partitions: number,
  replicationFactor: number,
  rackAware: boolean,
  random: Random = defaultRandom,
): number[][] {
  if (partitions <= 0) throw new CommandError('Number of partitions must be larger than 0.');
  if (replicationFactor <= 0) throw new CommandError('Replication factor must be larger than 0.');
  if (replicationFactor > brokers.length) {
    throw new CommandError(
      `Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`,
    );
  }
  const withRack = brokers.filter((b) => b.rack !== null).length;
  if (!rackAware || withRack === 0)
    return unaware(
      brokers.map((b) => b.id),
      partitions,
      replicationFactor,
      random,
    );
  if (withRack !== brokers.length)
    throw new CommandError('Not all brokers have rack information for replica rack aware assignment.');
  return aware(brokers, partitions, replicationFactor, random);
}

function unaware(ids: readonly number[], partitions: number, rf: number, random: Random): number[][] {
  const n = ids.length;
  const start = random(n);
  let shift = random(n);
  const out: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    if (p > 0 && p % n === 0) shift++;
    const first = (p + start) % n;
    const replicas = [ids[first]];
    for (let j = 0; j < rf - 1; j++) replicas.push(ids[replicaIndex(first, shift, j, n)]);
    out.push(replicas);
  }
  return out;
}

/** Brokers ordered rack by rack in turn (racks and brokers in each rack sorted). */
function rackAlternated(brokers: readonly BrokerRack[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of brokers) byRack.set(b.rack as string, [...(byRack.get(b.rack as string) ?? []), b.id]);
  const racks = [...byRack.keys()].sort();
  const queues = racks.map((r) => (byRack.get(r) as number[]).sort((a, b) => a - b));
  const out: number[] = [];
  for (let i = 0; out.length < brokers.length; i = (i + 1) % racks.length) {
    const next = queues[i].shift();
    if (next !== undefined) out.push(next);
  }
  return out;
}

function aware(brokers: readonly BrokerRack[], partitions: number, rf: number, random: Random): number[][] {
  const rackOf = new Map(brokers.map((b) => [b.id, b.rack as string]));
  const racks = new Set(rackOf.values()).size;
  const list = rackAlternated(brokers);
  const n = list.length;
  const start = random(n);
  let shift = random(n);
  const out: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    if (p > 0 && p % n === 0) shift++;
    const first = (p + start) % n;
    const leader = list[first];
    const replicas = [leader];
    const usedRacks = new Set([rackOf.get(leader)]);
    const used = new Set([leader]);
    let k = 0;
    for (let j = 0; j < rf - 1; j++) {
      for (;;) {
        const broker = list[replicaIndex(first, shift * racks, k, n)];
        const rack = rackOf.get(broker);
        k++;
        if ((!usedRacks.has(rack) || usedRacks.size === racks) && (!used.has(broker) || used.size === n)) {
          replicas.push(broker);
          usedRacks.add(rack);
          used.add(broker);
          break;
        }
      }
    }
    out.push(replicas);
  }
  return out;
}
