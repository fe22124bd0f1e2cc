// samsa consume TOPIC...: records from the start of each partition by default, -o to start (and
// stop) elsewhere, -g to consume in a group, -f for a format, --json for one object per record.
import type { Admin, ConsumerRecord, TopicPartition } from '../../client/index.js';
import { type ParsedArgs, parseInteger, UsageError } from '../args.js';
import { openAdmin, openConsumer } from '../lib/clients.js';
import { type OffsetSpec, parseOffsetSpec, startOffsets } from '../lib/offset-spec.js';
import { Output } from '../lib/output.js';
import { RecordLoop } from '../lib/record-loop.js';
import { type Command, type Context, parseDuration } from '../lib/samsa-common.js';
import { selectTopics } from '../lib/topics.js';
import { eprintln } from '../tool.js';

const OFFSET_HELP = `Where to start, and optionally stop (default: start)
      start | end        the oldest record / only new records
      N | +N | -N        offset N / N after the start / the last N
      @TIME              first record at or after TIME: ms since the
                         epoch, 2026-11-26T10:00:00Z, or -1h, -30m, -2d
      START:end          stop at the end as it was at start-up
      START:N            stop before offset N`;

/** Turns a record into text with %-verbs: %t %p %o %k %v %T %d %h %%, \\n and \\t. */
export function formatter(format: string): (r: ConsumerRecord) => string {
  const text = format.replaceAll('\\n', '\n').replaceAll('\\t', '\t');
  return (r) =>
    text.replace(/%([tpokvTdh%])/g, (_, verb: string) => {
      switch (verb) {
        case 't':
          return r.topic;
        case 'p':
          return String(r.partition);
        case 'o':
          return String(r.offset);
        case 'k':
          return r.key === null ? '' : r.key.toString('utf8');
        case 'v':
          return r.value === null ? '' : r.value.toString('utf8');
        case 'T':
          return String(r.timestamp);
        case 'd':
          return new Date(r.timestamp).toISOString();
        case 'h':
          return r.headers
            .map((h) => `${h.key}=${h.value === null ? '' : h.value.toString('utf8')}`)
            .join(',');
        default:
          return '%';
      }
    });
}

function asJson(r: ConsumerRecord): string {
  return JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: r.key === null ? null : r.key.toString('utf8'),
    value: r.value === null ? null : r.value.toString('utf8'),
    headers: r.headers.map((h) => ({
      key: h.key,
      value: h.value === null ? null : h.value.toString('utf8'),
    })),
  });
}

async function partitionsOf(
  admin: Admin,
  topics: readonly string[],
  only: number[] | null,
): Promise<TopicPartition[]> {
  const out: TopicPartition[] = [];
  for (const d of await admin.describeTopics(topics)) {
    for (const p of d.partitions)
      if (!only || only.includes(p.partition)) out.push({ topic: d.name, partition: p.partition });
  }
  return out;
}

/** Without a group: assign the partitions at the offsets the spec names; returns where to stop. */
async function assignPlan(admin: Admin, topics: string[], only: number[] | null, spec: OffsetSpec) {
  const tps = await partitionsOf(admin, topics, only);
  if (tps.length === 0) throw new UsageError('no partitions to consume');
  const starts = await startOffsets(admin, tps, spec.start);
  let ends: Map<string, number> | undefined;
  if (spec.end) {
    const end = spec.end;
    const latest =
      end.kind === 'end' ? await admin.listOffsets(tps.map((tp) => ({ ...tp, at: 'latest' as const }))) : [];
    ends = new Map();
    tps.forEach((tp, i) => {
      const stop = end.kind === 'end' ? latest[i].offset : end.offset;
      if (stop > starts[i]) ends?.set(`${tp.topic}\u0000${tp.partition}`, stop);
    });
  }
  const assignment = tps
    .map((tp, i) => ({ ...tp, offset: starts[i] }))
    .filter((a) => !ends || ends.has(`${a.topic}\u0000${a.partition}`));
  return { assignment, ends };
}

export const command: Command = {
  name: 'consume',
  summary: 'Print the records of topics, from the oldest by default.',
  usage: 'consume TOPIC... [options]',
  specs: [
    { name: 'offset', short: 'o', arg: 'required', argName: 'OFFSET', help: OFFSET_HELP },
    { name: 'num', short: 'n', arg: 'required', argName: 'N', help: 'Stop after N records' },
    {
      name: 'group',
      short: 'g',
      arg: 'required',
      argName: 'GROUP',
      help: 'Consume in a consumer group and commit its offsets (-o then only says where a new group starts: start or end)',
    },
    {
      name: 'partitions',
      short: 'p',
      arg: 'required',
      argName: 'N,N,...',
      help: 'Only these partitions (not with -g)',
    },
    { name: 'regex', short: 'r', help: 'Treat the topic names as regular expressions' },
    {
      name: 'format',
      short: 'f',
      arg: 'required',
      argName: 'FORMAT',
      help: 'Output format: %t topic, %p partition, %o offset, %k key, %v value, %T timestamp (ms), %d date, %h headers (default %v\\n)',
    },
    { name: 'read-committed', help: 'Skip records of aborted and open transactions' },
    {
      name: 'idle-timeout',
      arg: 'required',
      argName: 'DURATION',
      help: 'Stop when no record arrived for this long',
    },
  ],
  examples: [
    'samsa consume orders',
    "samsa consume orders -n 10 -f '%p/%o %k=%v\\n'",
    'samsa consume orders -o -5            # the last 5 records of each partition',
    'samsa consume orders -o @-1h:end      # the last hour, then exit',
    'samsa consume orders -o @2026-11-26T10:00:00Z',
    'samsa consume orders -g billing -o end',
    'samsa consume orders --json | jq .value',
  ],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    if (args.positionals.length === 0) throw new UsageError('name at least one topic');
    const spec = parseOffsetSpec(args.get('offset') ?? 'start');
    const group = args.get('group');
    const only = args.has('partitions')
      ? (args.get('partitions') as string).split(',').map((p) => parseInteger(p, '--partitions', { min: 0 }))
      : null;
    if (group && only) throw new UsageError('-p cannot be used with -g: a group assigns partitions itself');
    if (group && (spec.end || !['start', 'end'].includes(spec.start.kind))) {
      throw new UsageError(
        'with -g, -o takes start or end (where the group starts when it has no committed offsets)',
      );
    }
    const max = args.has('num') ? parseInteger(args.get('num') as string, '--num', { min: 0 }) : undefined;
    const idle = args.has('idle-timeout') ? args.get('idle-timeout') : undefined;
    const idleTimeoutMs = idle !== undefined ? parseDuration(idle, '--idle-timeout') : undefined;
    const render = ctx.json
      ? (r: ConsumerRecord) => `${asJson(r)}\n`
      : formatter(args.get('format') ?? '%v\\n');
    const admin = await openAdmin(ctx.settings());
    let topics: string[];
    let plan: Awaited<ReturnType<typeof assignPlan>> | null = null;
    try {
      topics = args.has('regex')
        ? [
            ...new Set(
              (await Promise.all(args.positionals.map((p) => selectTopics(admin, p, false)))).flat(),
            ),
          ].sort()
        : [...args.positionals];
      if (topics.length === 0) throw new UsageError('no topic matches');
      if (!group) plan = await assignPlan(admin, topics, only, spec);
      else await admin.describeTopics(topics);
    } finally {
      await admin.close().catch(() => {});
    }
    const consumer = await openConsumer(
      ctx.settings({
        'client.id': 'samsa-consume',
        'group.id': group ?? '',
        'enable.auto.commit': 'false',
        'auto.offset.reset': spec.start.kind === 'end' ? 'latest' : 'earliest',
        'isolation.level': args.has('read-committed') ? 'read_committed' : 'read_uncommitted',
        'default.api.timeout.ms': String(Math.max(ctx.timeoutMs, 10_000)),
      }),
    );
    const out = new Output();
    const loop = new RecordLoop(consumer, {
      max,
      idleTimeoutMs,
      commit: group !== undefined,
      commitIntervalMs: 5000,
      endOffsets: plan?.ends,
      onRecord: async (r) => {
        await out.push(Buffer.from(render(r)));
        return !out.closed;
      },
    });
    let interrupted = 0;
    process.once('SIGINT', () => {
      interrupted = 130;
      loop.stop();
    });
    process.once('SIGTERM', () => {
      interrupted = 143;
      loop.stop();
    });
    let failure: unknown = null;
    try {
      if (plan) {
        if (plan.assignment.length > 0) consumer.assign(plan.assignment);
      } else await consumer.subscribe(topics, loop.listener());
      if (!plan || plan.assignment.length > 0) await loop.run();
    } catch (err) {
      failure = err;
    }
    await out.flush();
    await loop.commitPrinted();
    await consumer.close().catch(() => {});
    if (failure) throw failure;
    if (interrupted && !ctx.json) eprintln(`${loop.count} records`);
    return interrupted;
  },
};
