// The checker catches what it claims to: a clean history passes, and a history with one kind of
// anomaly planted in it is reported under that kind's name (and only that kind).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkHistory, VIOLATION_KINDS, type ViolationKind } from './checker.js';
import type { HistoryEvent, RunConfig } from './history.js';

const CONFIG: RunConfig = {
  seed: 1,
  workload: 'queue',
  topic: 'chaos',
  partitions: 2,
  nodes: 1,
  replicationFactor: 1,
  minInsyncReplicas: 1,
  acks: -1,
  idempotence: true,
  fsyncEachWrite: false,
  faults: ['kill'],
  durationMs: 1000,
  unsafe: null,
  bootstrap: null,
  clients: ['samsa'],
  startedAt: 0,
};

/**
 * A clean history: producer p1 (session 0) writes 6 values round-robin to 2 partitions, all acked;
 * consumer c1 of group g reads them all and commits; both drain readers read the whole log; the
 * committed offsets are fetched at the end.
 */
function cleanHistory(): HistoryEvent[] {
  const ev: HistoryEvent[] = [{ t: 0, w: 'lab', type: 'meta', config: CONFIG }];
  let t = 1;
  const log: string[][] = [[], []];
  for (let i = 0; i < 6; i++) {
    const p = i % 2;
    const v = `p1.0.${i}`;
    ev.push({ t: t++, w: 'p1', type: 'send', p, v });
    ev.push({ t: t++, w: 'p1', type: 'ack', p, v, o: log[p].length, t0: t - 2 });
    log[p].push(v);
  }
  for (const p of [0, 1]) {
    log[p].forEach((v, o) => {
      ev.push({ t: t++, w: 'c1', type: 'read', p, o, v, g: 'g' });
    });
    ev.push({ t: t + 1, w: 'c1', type: 'commit', g: 'g', p, o: log[p].length, ok: true, t0: t });
    t += 2;
  }
  for (const reader of ['drain-samsa', 'drain-kcat']) {
    for (const p of [0, 1]) {
      log[p].forEach((v, o) => {
        ev.push({ t: t++, w: reader, type: 'read', p, o, v });
      });
      ev.push({ t: t++, w: reader, type: 'drain-end', p, end: log[p].length, complete: true });
    }
  }
  for (const p of [0, 1]) ev.push({ t: t++, w: 'lab', type: 'committed', g: 'g', p, o: log[p].length });
  return ev;
}

function kinds(events: HistoryEvent[]): ViolationKind[] {
  return [...new Set(checkHistory(events).violations.map((v) => v.kind))].sort();
}

/** Removes the events matching `pred`. */
function without(events: HistoryEvent[], pred: (e: HistoryEvent) => boolean): HistoryEvent[] {
  return events.filter((e) => !pred(e));
}

const isDrain = (e: HistoryEvent) => e.w.startsWith('drain-');

describe('chaos checker', () => {
  test('a clean history passes with its figures', () => {
    const r = checkHistory(cleanHistory());
    assert.deepEqual(r.violations, []);
    assert.deepEqual(r.inconclusive, []);
    assert.equal(r.ok, true);
    assert.equal(r.stats.sent, 6);
    assert.equal(r.stats.acked, 6);
    assert.equal(r.stats.readLive, 6);
    assert.equal(r.stats.unresolved, 0);
    assert.deepEqual(r.stats.failures, {});
    assert.deepEqual(r.stats.readDrain, { 'drain-samsa': 6, 'drain-kcat': 6 });
  });

  const planted: [ViolationKind, string, (h: HistoryEvent[]) => HistoryEvent[]][] = [
    [
      'lost',
      'an acknowledged value missing from the final read',
      (h) => without(h, (e) => isDrain(e) && e.type === 'read' && e.v === 'p1.0.4'),
    ],
    [
      'duplicated',
      'a value stored at two offsets',
      (h) => {
        const out = h.map((e) =>
          isDrain(e) && e.type === 'drain-end' && e.p === 0 ? { ...e, end: e.end + 1 } : e,
        );
        for (const reader of ['drain-samsa', 'drain-kcat'])
          out.push({ t: 999, w: reader, type: 'read', p: 0, o: 3, v: 'p1.0.4' });
        return out;
      },
    ],
    [
      'unexpected',
      'a value read that nobody sent',
      (h) => [...h, { t: 999, w: 'c1', type: 'read', p: 1, o: 3, v: 'ghost.0.1', g: 'g' }],
    ],
    [
      'reordered',
      "a producer's values stored out of its sending order",
      (h) => {
        // Both readers (and the acknowledgements) agree the log of partition 0 is p1.0.2, p1.0.0, p1.0.4.
        const swap = (v: string) => (v === 'p1.0.0' ? 'p1.0.2' : v === 'p1.0.2' ? 'p1.0.0' : v);
        return h.map((e) => {
          if ((e.type === 'read' || e.type === 'ack' || e.type === 'send') && e.p === 0) {
            return { ...e, v: swap(e.v) };
          }
          return e;
        });
      },
    ],
    [
      'inconsistent-offset',
      'a value acknowledged at one offset and stored at another',
      (h) => h.map((e) => (e.type === 'ack' && e.v === 'p1.0.5' ? { ...e, o: 7 } : e)),
    ],
    [
      'vanished-read',
      'a record read during the run that the final log lost, though never acknowledged',
      (h) => {
        const out = without(h, (e) => e.type === 'ack' && e.v === 'p1.0.5');
        return without(out, (e) => isDrain(e) && e.type === 'read' && e.v === 'p1.0.5');
      },
    ],
    [
      'commit-backwards',
      'a commit below one already acknowledged',
      (h) => [...h, { t: 500, w: 'c2', type: 'commit', g: 'g', p: 0, o: 1, ok: true, t0: 400 }],
    ],
    [
      'skipped',
      'a group committing past records no member read',
      (h) => without(h, (e) => e.type === 'read' && e.w === 'c1' && e.p === 1 && e.o === 1),
    ],
  ];

  for (const [kind, what, plant] of planted) {
    test(`names ${kind}: ${what}`, () => {
      const r = checkHistory(plant(cleanHistory()));
      assert.equal(r.ok, false);
      assert.deepEqual(kinds(plant(cleanHistory())), [kind], JSON.stringify(r.violations, null, 1));
      for (const v of r.violations) assert.match(v.message, /\S/);
    });
  }

  test('every kind the checker knows has a planted history above', () => {
    assert.deepEqual([...planted.map(([k]) => k)].sort(), [...VIOLATION_KINDS].sort());
  });

  test('a final read that did not finish makes the run inconclusive, not a pass', () => {
    const h = cleanHistory().map((e) =>
      e.type === 'drain-end' && e.w === 'drain-kcat' && e.p === 1
        ? { ...e, complete: false, detail: 'timed out' }
        : e,
    );
    const r = checkHistory(h);
    assert.equal(r.ok, false);
    assert.deepEqual(r.violations, []);
    assert.match(r.inconclusive.join('\n'), /drain-kcat did not finish partition 1: timed out/);
  });

  test('two readers disagreeing about one offset is inconsistent, whichever is right', () => {
    const h = cleanHistory().map((e) =>
      e.w === 'drain-kcat' && e.type === 'read' && e.p === 1 && e.o === 2 ? { ...e, v: 'p1.0.1' } : e,
    );
    const r = checkHistory(h);
    assert.ok(r.violations.some((v) => v.kind === 'inconsistent-offset' && v.p === 1 && v.o === 2));
    assert.ok(r.violations.some((v) => v.kind === 'duplicated' && /drain-kcat/.test(v.message)));
  });

  test('a lost write is reported per value, naming the reader that lacks it', () => {
    const h = without(cleanHistory(), (e) => e.w === 'drain-kcat' && e.type === 'read' && e.v === 'p1.0.3');
    const r = checkHistory(h);
    assert.equal(r.violations.length, 1);
    assert.equal(r.violations[0].kind, 'lost');
    assert.equal(r.violations[0].v, 'p1.0.3');
    assert.match(r.violations[0].message, /drain-kcat/);
  });

  test('without idempotence duplicates are allowed and counted, not violations', () => {
    const dup = planted.find(([k]) => k === 'duplicated')?.[2] as (h: HistoryEvent[]) => HistoryEvent[];
    const h = dup(cleanHistory()).map((e) =>
      e.type === 'meta' ? { ...e, config: { ...e.config, idempotence: false } } : e,
    );
    const r = checkHistory(h);
    assert.deepEqual(r.violations, []);
    assert.equal(r.allowed.duplicated, 1);
    assert.match(r.guarantees.statements.join(' '), /without idempotence/);
  });

  test('acks=1 with replicas allows a lost write; acks=all does not', () => {
    const lose = (h: HistoryEvent[]) =>
      without(h, (e) => isDrain(e) && e.type === 'read' && e.v === 'p1.0.4');
    const replicated = (acks: number) =>
      lose(cleanHistory()).map((e) =>
        e.type === 'meta'
          ? { ...e, config: { ...e.config, acks, replicationFactor: 3, minInsyncReplicas: 2, nodes: 3 } }
          : e,
      );
    assert.deepEqual(kinds(replicated(1)), []);
    assert.equal(checkHistory(replicated(1)).allowed.lost, 1);
    assert.deepEqual(kinds(replicated(-1)), ['lost']);
    assert.match(checkHistory(replicated(-1)).guarantees.statements[0], /majority of the ISR survives/);
  });

  test('a commit racing another (issued before it was acknowledged) may land lower', () => {
    const h = [...cleanHistory(), { t: 500, w: 'c2', type: 'commit', g: 'g', p: 0, o: 2, ok: true, t0: 5 }];
    // The clean history's commit of partition 0 was acknowledged after t=5, so this one raced it.
    assert.deepEqual(kinds(h as HistoryEvent[]), []);
  });
});
