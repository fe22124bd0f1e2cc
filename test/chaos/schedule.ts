// The fault schedule of a run, drawn from its seed alone (with the node count, the duration and the
// fault kinds), so `--seed` replays the same faults at the same moments against the same targets.
// Faults come one after another with calm gaps between them, so each window in the report has one
// cause; `concurrency` > 1 lets that many overlap.
import { Rng } from '../helpers/random.js';

export const FAULT_KINDS = ['kill', 'pause', 'restart', 'partition', 'oneway', 'slow', 'disk'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ScheduledFault {
  id: number;
  kind: FaultKind;
  /** From the start of the workload. */
  atMs: number;
  /** How long the fault holds (0 for a restart, which is over once the node is back). */
  durationMs: number;
  /** Node(s) hit: `n1`; for network faults the two sides, each a list of parties. */
  target: string;
  nodes: number[];
  /** partition/oneway: bytes from `from` to `to` are stalled or dropped (both ways for a partition). */
  from?: string[];
  to?: string[];
  mode?: 'stall' | 'drop';
  /** When healing, reset every connection the fault touched (else stalled ones resume). */
  resetOnHeal?: boolean;
  /** slow: added delay per chunk, each way. */
  delayMs?: number;
}

export interface ScheduleOptions {
  seed: number;
  nodes: number;
  durationMs: number;
  faults: readonly FaultKind[];
  /** Quiet time before the first fault. */
  warmupMs?: number;
  concurrency?: number;
}

/** Parties of a network fault: nodes `n1..nN` and `clients`. */
function networkSides(rng: Rng, nodes: number): { from: string[]; to: string[]; label: string } {
  const names = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  const node = rng.pick(names);
  if (nodes === 1 || rng.chance(0.25)) return { from: ['clients'], to: [node], label: `clients|${node}` };
  const others = names.filter((n) => n !== node);
  const shape = rng.pick(['pair', 'isolate', 'halves'] as const);
  if (shape === 'pair' || nodes === 2) {
    const peer = rng.pick(others);
    return { from: [node], to: [peer], label: `${node}|${peer}` };
  }
  if (shape === 'isolate') return { from: [node], to: others, label: `${node}|${others.join(',')}` };
  const shuffled = [...names];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const minority = shuffled.slice(0, Math.floor(nodes / 2));
  const majority = shuffled.slice(Math.floor(nodes / 2));
  return { from: minority, to: majority, label: `${minority.join(',')}|${majority.join(',')}` };
}

function draw(rng: Rng, kind: FaultKind, o: ScheduleOptions, id: number, atMs: number): ScheduledFault {
  const nodeIndex = rng.int(1, o.nodes);
  const base = { id, kind, atMs, nodes: [nodeIndex], target: `n${nodeIndex}` };
  switch (kind) {
    case 'kill':
      return { ...base, durationMs: rng.int(1000, 6000) };
    case 'pause':
      return { ...base, durationMs: rng.int(1000, 6000) };
    case 'restart':
      return { ...base, durationMs: 0 };
    case 'disk':
      return { ...base, durationMs: rng.int(2000, 6000) };
    case 'slow':
      return { ...base, durationMs: rng.int(2000, 8000), delayMs: rng.pick([20, 100, 300, 1000]) };
    case 'partition':
    case 'oneway': {
      const sides = networkSides(rng, o.nodes);
      const one = kind === 'oneway' && rng.chance(0.5);
      return {
        ...base,
        nodes: [...sides.from, ...sides.to].filter((p) => p !== 'clients').map((p) => Number(p.slice(1))),
        target: kind === 'oneway' ? sides.label.replace('|', one ? '<-' : '->') : sides.label,
        from: one ? sides.to : sides.from,
        to: one ? sides.from : sides.to,
        durationMs: rng.int(2000, 8000),
        mode: rng.pick(['stall', 'drop'] as const),
        resetOnHeal: rng.chance(0.3),
      };
    }
  }
}

/** The faults of one run, in start order; none begins after `durationMs`. */
export function buildSchedule(o: ScheduleOptions): ScheduledFault[] {
  const rng = new Rng(o.seed);
  const out: ScheduledFault[] = [];
  if (o.faults.length === 0) return out;
  const lanes = Array.from({ length: Math.max(1, o.concurrency ?? 1) }, () => o.warmupMs ?? 2000);
  for (let id = 1; ; id++) {
    const lane = lanes.indexOf(Math.min(...lanes));
    const atMs = lanes[lane] + rng.int(1000, 4000);
    const fault = draw(rng, rng.pick(o.faults), o, id, atMs);
    if (atMs + fault.durationMs > o.durationMs - 1000) break;
    out.push(fault);
    lanes[lane] = atMs + fault.durationMs;
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}

/** `kill,pause` -> the kinds; throws naming an unknown one. */
export function parseFaultKinds(text: string): FaultKind[] {
  if (text === '' || text === 'none') return [];
  return text.split(',').map((k) => {
    const kind = k.trim() as FaultKind;
    if (!FAULT_KINDS.includes(kind))
      throw new Error(`unknown fault '${k}' (known: ${FAULT_KINDS.join(', ')})`);
    return kind;
  });
}
