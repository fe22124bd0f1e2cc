// Structured logs: JSON lines (or readable text), levels per component from log.level, one line per
// notable event (topic created and deleted, segment rolled, group rebalanced, client misbehaved) and
// nothing per request at info.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger, type LogLevel } from '../../src/broker/logger.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { Kafka, startMetricsNode } from './metrics-helpers.js';

interface Line {
  time: string;
  level: string;
  component: string;
  msg: string;
  [field: string]: unknown;
}

function capture(level: LogLevel, levels: Record<string, LogLevel> = {}) {
  const lines: Line[] = [];
  return {
    lines,
    options: {
      level,
      levels,
      format: 'json' as const,
      sink: { write: (l: string) => lines.push(JSON.parse(l)) },
    },
  };
}

test('a JSON line carries time, level, component, message and fields; text lines read the same', () => {
  const json: string[] = [];
  const log = Logger.create({ format: 'json', now: () => 0, sink: { write: (l) => json.push(l) } });
  log.child('replicas').info('segment rolled', { topic: 't', partition: 0 });
  assert.deepEqual(json, [
    '{"time":"1970-01-01T00:00:00.000Z","level":"info","component":"replicas","msg":"segment rolled","topic":"t","partition":0}\n',
  ]);
  const text: string[] = [];
  const tlog = Logger.create({ format: 'text', now: () => 0, sink: { write: (l) => text.push(l) } });
  tlog
    .child('server')
    .warn('refusing connection', { listener: 'PLAINTEXT', reason: 'max.connections reached' });
  assert.deepEqual(text, [
    '1970-01-01T00:00:00.000Z WARN  [server] refusing connection listener=PLAINTEXT reason=max.connections reached\n',
  ]);
});

test('per-component levels override the default level', () => {
  const c = capture('warn', { replicas: 'debug', server: 'off' });
  const log = Logger.create(c.options);
  log.child('replicas').debug('shown');
  log.child('controller').info('hidden');
  log.child('controller').warn('shown too');
  log.child('server').error('hidden too');
  assert.deepEqual(
    c.lines.map((l) => `${l.component}:${l.msg}`),
    ['replicas:shown', 'controller:shown too'],
  );
});

test('a node logs one line per notable event and nothing per request at info', async () => {
  const c = capture('info');
  const m = await startMetricsNode({}, { metrics: false, log: c.options });
  const k = await Kafka.connect(m.port);
  try {
    await k.createTopic('logged', 1, { 'segment.ms': '10' });
    const before = c.lines.length;
    const t = Date.now() - 60_000;
    for (let i = 0; i < 100; i++) {
      // Same timestamp for every batch: no roll; plain produce and fetch traffic.
      assert.equal((await k.produce('logged', 0, [{ value: `v${i}`, timestamp: t }])).errorCode, 0);
      await k.fetch('logged', 0, i);
    }
    await k.raw.request(3, 12, {
      topics: null,
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    assert.deepEqual(
      c.lines.slice(before).map((l) => l.msg),
      [],
      'no line for 200 produce and fetch requests',
    );
    // A batch 100 ms younger than the segment's first one rolls it (segment.ms=10).
    await k.produce('logged', 0, [{ value: 'late', timestamp: t + 100 }]);
    await k.createTopic('dropped', 1);
    assert.equal(
      (
        await k.raw.request(20, 6, {
          topics: [{ name: 'dropped', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
          timeoutMs: 5000,
        })
      ).responses[0].errorCode,
      ErrorCode.NONE,
    );
    await k.coordinatorReady('logged-group');
    const join = await k.raw.request(11, 3, {
      groupId: 'logged-group',
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 30_000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    });
    assert.equal(join.errorCode, ErrorCode.NONE);
    const garbage = await Kafka.connect(m.port);
    garbage.raw.send(Buffer.from([0, 0, 0, 4, 0, 99, 0, 0])).catch(() => {}); // answered by a close
    await garbage.raw.closed();
    await sleep(20);
    const events = c.lines.map((l) => ({ component: l.component, msg: l.msg, level: l.level }));
    const one = (component: string, msg: string, fields: Record<string, unknown>) => {
      const found = c.lines.filter(
        (l) =>
          l.component === component && l.msg === msg && Object.entries(fields).every(([f, v]) => l[f] === v),
      );
      assert.equal(
        found.length,
        1,
        `${component}: ${msg} ${JSON.stringify(fields)} in ${JSON.stringify(events)}`,
      );
      assert.equal(found[0].level, 'info');
    };
    one('controller', 'topic created', { topic: 'logged', partitions: 1 });
    one('replicas', 'segment rolled', { topic: 'logged', partition: 0, baseOffset: 100 });
    one('controller', 'topic deleted', { topic: 'dropped' });
    one('group-coordinator', 'group rebalanced', { group: 'logged-group', generation: 1, members: 1 });
    const closed = c.lines.filter((l) => l.msg === 'closing connection');
    assert.equal(closed.length, 1);
    assert.match(String(closed[0].reason), /malformed request header/);
    garbage.close();
  } finally {
    k.close();
    await m.node.stop();
  }
});
