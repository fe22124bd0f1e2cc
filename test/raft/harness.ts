import {
  type Entry,
  formatEntry,
  formatMessage,
  type HardState,
  type Message,
  type ProposeResult,
  RaftNode,
  type Rng,
  type Snapshot,
  type Status,
} from '../../src/raft/index.js';

// An interpreter for transcript tests: a script of commands acting on a few replicas, each followed by
// the messages and state changes it must produce. Messages wait in a mailbox until delivered, so every
// interleaving is spelled out. Storage is synchronous: each ready is persisted, then its messages queued.

/** Randomness that always answers 0: election timeouts are exactly the configured base. */
const zeroRng: Rng = { nextInt: () => 0 };

interface Machine {
  node: RaftNode | null;
  hardState: HardState | null;
  snapshot: Snapshot | null;
  entries: Entry[];
  applied: Entry[];
  last: Status | null;
}

export class Harness {
  private readonly machines = new Map<number, Machine>();
  private mailbox: Message[] = [];
  private readonly blocked = new Set<string>();
  private config: Record<string, number> = {};
  private voters: number[] = [];
  private out: string[] = [];

  run(command: string): string[] {
    this.out = [];
    const [name, ...args] = command.trim().split(/\s+/);
    const handler = this.commands[name];
    if (!handler) throw new Error(`unknown command ${name}`);
    handler(args);
    return this.out;
  }

  private readonly commands: Record<string, (args: string[]) => void> = {
    'add-nodes': (args) => this.addNodes(args),
    tick: (args) => this.tick(args),
    timeout: (args) => this.timeout(Number(args[0])),
    deliver: (args) => this.deliver(args[0] ?? 'all'),
    stabilize: () => this.stabilize(),
    drop: (args) => this.drop(args[0] ?? 'all'),
    propose: (args) => this.result(args[0], this.node(args[0]).propose(new TextEncoder().encode(args[1]))),
    'add-voter': (args) => this.result(args[0], this.node(args[0]).addVoter(Number(args[1]))),
    'remove-voter': (args) => this.result(args[0], this.node(args[0]).removeVoter(Number(args[1]))),
    transfer: (args) => this.result(args[0], this.node(args[0]).transferLeadership(Number(args[1]))),
    'read-index': (args) => this.result(args[0], this.node(args[0]).readIndex(Number(args[1]))),
    resign: (args) => this.withNode(args[0], (n) => n.resign()),
    compact: (args) => this.compact(Number(args[0])),
    isolate: (args) => this.isolate(Number(args[0])),
    partition: (args) => this.partition(args.join(' ')),
    heal: () => this.blocked.clear(),
    crash: (args) => this.crash(Number(args[0])),
    restart: (args) => this.restart(Number(args[0])),
    status: (args) => {
      for (const id of args.length > 0 ? args.map(Number) : [...this.machines.keys()]) this.printStatus(id);
    },
    log: (args) => this.printLog(Number(args[0])),
  };

  private addNodes(args: string[]): void {
    const kv = Object.fromEntries(args.map((a) => a.split('=')));
    this.voters = kv.voters.split(',').map(Number);
    const observers = kv.observers ? kv.observers.split(',').map(Number) : [];
    for (const [k, v] of Object.entries(kv))
      if (k !== 'voters' && k !== 'observers') this.config[k] = Number(v);
    for (const id of [...this.voters, ...observers]) {
      this.machines.set(id, {
        node: null,
        hardState: null,
        snapshot: null,
        entries: [],
        applied: [],
        last: null,
      });
      this.restart(id);
    }
  }

  private makeNode(id: number, m: Machine): RaftNode {
    const c = this.config;
    return new RaftNode(
      {
        id,
        initialVoters: this.voters,
        rng: zeroRng,
        electionTimeoutTicks: c.election ?? 10,
        fetchTimeoutTicks: c.fetchTimeout ?? 20,
        checkQuorumTicks: c.checkQuorum ?? 30,
        fetchMaxWaitTicks: c.maxWait ?? 5,
        requestTimeoutTicks: c.requestTimeout ?? 12,
        snapshotChunkBytesMax: c.chunk ?? 1 << 16,
        fetchBytesMax: c.fetchBytes ?? 1 << 20,
      },
      { hardState: m.hardState, snapshot: m.snapshot, entries: m.entries.slice() },
    );
  }

  private machine(id: number | string): Machine {
    const m = this.machines.get(Number(id));
    if (!m) throw new Error(`no node ${id}`);
    return m;
  }

  private node(id: number | string): RaftNode {
    const n = this.machine(id).node;
    if (!n) throw new Error(`node ${id} is down`);
    return n;
  }

  private withNode(id: string, f: (n: RaftNode) => void): void {
    f(this.node(id));
    this.process(Number(id));
  }

  private result(id: string, r: ProposeResult): void {
    if (r.ok) this.out.push(`${id}: ok offset=${r.offset} epoch=${r.epoch}`);
    else this.out.push(`${id}: refused ${r.error} (leader=${r.leaderId} epoch=${r.leaderEpoch})`);
    this.process(Number(id));
  }

  /** The driver: persist, queue the messages, apply, advance; report what changed. */
  private process(id: number): void {
    const m = this.machine(id);
    const node = m.node!;
    while (node.hasReady()) {
      const rd = node.ready();
      if (rd.hardState) {
        m.hardState = rd.hardState;
        const h = rd.hardState;
        this.out.push(`${id}: persist epoch=${h.leaderEpoch} leader=${h.leaderId} voted=${h.votedId}`);
      }
      if (rd.truncateFromOffset !== null) {
        m.entries = m.entries.filter((e) => e.offset < rd.truncateFromOffset!);
        if (!rd.snapshot) this.out.push(`${id}: truncate from ${rd.truncateFromOffset}`);
      }
      if (rd.snapshot) {
        const end = rd.snapshot.id.endOffset;
        m.snapshot = rd.snapshot;
        m.entries = m.entries.filter((e) => e.offset >= end);
        this.out.push(
          `${id}: snapshot ${end}@${rd.snapshot.id.epoch} voters=${rd.snapshot.voters.join(',')}`,
        );
      }
      if (rd.entries.length > 0) {
        m.entries.push(...rd.entries);
        this.out.push(`${id}: append ${rd.entries.map(formatEntry).join(', ')}`);
      }
      for (const msg of rd.messages) {
        this.mailbox.push(msg);
        this.out.push(`  ${formatMessage(msg)}`);
      }
      if (rd.snapshotToApply) m.applied = [];
      m.applied.push(...rd.committed);
      for (const r of rd.readStates)
        this.out.push(`${id}: read ${r.requestId} index=${r.index} error=${r.errorCode}`);
      node.advance();
    }
    this.reportChanges(id);
  }

  private reportChanges(id: number): void {
    const m = this.machine(id);
    const s = m.node!.status();
    const p = m.last;
    if (!p || p.role !== s.role || p.epoch !== s.epoch || p.leaderId !== s.leaderId) {
      this.out.push(`${id}: ${s.role} epoch=${s.epoch} leader=${s.leaderId}`);
    }
    if (p && p.highWatermark !== s.highWatermark) this.out.push(`${id}: hwm=${s.highWatermark}`);
    if (p && p.voters.join(',') !== s.voters.join(',')) this.out.push(`${id}: voters=${s.voters.join(',')}`);
    m.last = s;
  }

  private tick(args: string[]): void {
    const ids = args[0] === 'all' ? this.upIds() : args[0].split(',').map(Number);
    const times = Number(args[1] ?? 1);
    for (let i = 0; i < times; i++) {
      for (const id of ids) {
        this.node(id).tick();
        this.process(id);
      }
    }
  }

  /** Ticks one replica until it does something (a role change or a message). */
  private timeout(id: number): void {
    for (let i = 1; i <= 1000; i++) {
      const before = this.out.length;
      this.node(id).tick();
      this.process(id);
      if (this.out.length > before) {
        this.out.splice(before, 0, `${id}: ticked ${i}`);
        return;
      }
    }
    throw new Error(`node ${id} did nothing in 1000 ticks`);
  }

  private upIds(): number[] {
    return [...this.machines].filter(([, m]) => m.node).map(([id]) => id);
  }

  private matches(msg: Message, filter: string): boolean {
    if (filter === 'all') return true;
    const [from, to] = filter.split('->');
    return (from === '*' || Number(from) === msg.from) && (to === '*' || Number(to) === msg.to);
  }

  /** Delivers (once) the queued messages that match; what they cause is queued, not delivered. */
  private deliver(filter: string): void {
    const now = this.mailbox.filter((m) => this.matches(m, filter));
    this.mailbox = this.mailbox.filter((m) => !this.matches(m, filter));
    for (const msg of now) {
      const m = this.machines.get(msg.to);
      if (!m?.node || this.blocked.has(`${msg.from}->${msg.to}`)) continue;
      m.node.step(msg);
      this.process(msg.to);
    }
  }

  private stabilize(): void {
    for (let i = 0; i < 100 && this.mailbox.length > 0; i++) this.deliver('all');
    if (this.mailbox.length > 0) throw new Error('stabilize: messages still flowing after 100 rounds');
  }

  private drop(filter: string): void {
    const n = this.mailbox.length;
    this.mailbox = this.mailbox.filter((m) => !this.matches(m, filter));
    this.out.push(`dropped ${n - this.mailbox.length}`);
  }

  private isolate(id: number): void {
    for (const other of this.machines.keys()) {
      if (other === id) continue;
      this.blocked.add(`${id}->${other}`);
      this.blocked.add(`${other}->${id}`);
    }
  }

  /** `partition 1,2 | 3`: no messages between the groups. */
  private partition(spec: string): void {
    const [a, b] = spec.split('|').map((g) => g.trim().split(',').map(Number));
    for (const x of a) {
      for (const y of b) {
        this.blocked.add(`${x}->${y}`);
        this.blocked.add(`${y}->${x}`);
      }
    }
  }

  private compact(id: number): void {
    const m = this.machine(id);
    const end = this.node(id).status().appliedOffset;
    const ok = this.node(id).compact(end, new TextEncoder().encode(`state@${end}`));
    this.out.push(`${id}: compact to ${end} ${ok ? 'ok' : 'refused'}`);
    m.applied = [];
    this.process(id);
  }

  private crash(id: number): void {
    const m = this.machine(id);
    m.node = null;
    m.last = null;
    this.mailbox = this.mailbox.filter((msg) => msg.to !== id);
  }

  private restart(id: number): void {
    const m = this.machine(id);
    m.node = this.makeNode(id, m);
    m.last = null;
    this.process(id);
  }

  private printStatus(id: number): void {
    const m = this.machine(id);
    if (!m.node) {
      this.out.push(`${id}: down`);
      return;
    }
    const s = m.node.status();
    this.out.push(
      `${id}: ${s.role} epoch=${s.epoch} leader=${s.leaderId} voted=${s.votedId} hwm=${s.highWatermark} ` +
        `log=${s.logStartOffset}..${s.logEndOffset} voters=${s.voters.join(',')}`,
    );
  }

  private printLog(id: number): void {
    const s = this.node(id).status();
    const entries = this.node(id).entries(s.logStartOffset, s.logEndOffset);
    this.out.push(`${id}: log ${s.logStartOffset}..${s.logEndOffset}${entries.length ? ':' : ''}`);
    for (const e of entries) this.out.push(`  ${formatEntry(e)}`);
  }
}

/** Parses a transcript: `> command` lines, each followed by its expected output (# comments, blank lines skipped). */
export function parseTranscript(text: string): { command: string; expected: string[]; line: number }[] {
  const steps: { command: string; expected: string[]; line: number }[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line.startsWith('> ')) steps.push({ command: line.slice(2), expected: [], line: i + 1 });
    else if (line.trim() !== '' && !line.startsWith('#')) {
      if (steps.length === 0) throw new Error(`line ${i + 1}: output before the first command`);
      steps[steps.length - 1].expected.push(line);
    }
  });
  return steps;
}

/** Renders a transcript with actual outputs, keeping comments (used to write new transcripts). */
export function renderTranscript(text: string, actual: Map<number, string[]>): string {
  const lines: string[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trimEnd();
    if (line.startsWith('> ')) {
      lines.push(line, ...(actual.get(i + 1) ?? []), '');
    } else if (line.startsWith('#')) lines.push(line);
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
