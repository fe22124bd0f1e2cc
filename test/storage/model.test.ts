// Model-based test: seeded random sequences of appends (plain and idempotent, retries included), reads,
// rolls, flushes, truncations, DeleteRecords, retention and reopens (clean and unclean), checked after
// every step against a simple in-memory model of the log. A failure prints the seed and the last ops.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBatchHeader } from '../../src/protocol/records/batch.js';
import { buildBatch } from '../../src/protocol/records/record.js';
import { type EpochEntry, MemoryFileSystem, PartitionLog } from '../../src/storage/index.js';
import { randInt, readAll, recordsOf, rng, seeds, T0 } from './helpers.js';

interface MBatch {
  base: number;
  last: number;
  values: string[];
  ts: number;
  pid: number;
  epoch: number;
  firstSeq: number;
}

interface MProducer {
  pid: number;
  epoch: number;
  nextSeq: number;
}

class Model {
  batches: MBatch[] = [];
  logStart = 0;
  leo = 0;
  epochs: EpochEntry[] = [];

  records(from: number): { offset: number; value: string }[] {
    const out: { offset: number; value: string }[] = [];
    for (const b of this.batches) {
      b.values.forEach((v, i) => {
        if (b.base + i >= from) out.push({ offset: b.base + i, value: v });
      });
    }
    return out;
  }

  assignEpoch(epoch: number, start: number): void {
    const last = this.epochs[this.epochs.length - 1];
    if (last && last.epoch === epoch && start >= last.startOffset) return;
    while (this.epochs.length > 0) {
      const e = this.epochs[this.epochs.length - 1];
      if (e.epoch >= epoch || e.startOffset >= start) this.epochs.pop();
      else break;
    }
    this.epochs.push({ epoch, startOffset: start });
  }

  truncate(to: number): void {
    const i = this.batches.findIndex((b) => b.last >= to);
    if (i < 0) return;
    this.leo = this.batches[i].base;
    this.batches.length = i;
    while (this.epochs.length > 0 && this.epochs[this.epochs.length - 1].startOffset >= this.leo)
      this.epochs.pop();
    if (this.leo < this.logStart) {
      // Nothing visible is left: the log starts afresh at the log start.
      this.leo = this.logStart;
      this.batches = [];
      this.epochs = [];
    }
  }

  advanceStart(to: number): void {
    if (to <= this.logStart) return;
    this.logStart = to;
    let i = 0;
    while (i < this.epochs.length && this.epochs[i].startOffset <= to) i++;
    if (i > 0 && !(i === 1 && this.epochs[0].startOffset === to)) {
      this.epochs = [{ epoch: this.epochs[i - 1].epoch, startOffset: to }, ...this.epochs.slice(i)];
    }
  }

  /** The producer's last five batches, in the current log (truncation removes some). */
  lastBatches(pid: number): MBatch[] {
    return this.batches.filter((b) => b.pid === pid).slice(-5);
  }
}

async function runModel(seed: number, steps: number): Promise<void> {
  const r = rng(seed);
  let fs = new MemoryFileSystem({ now: () => T0 });
  const dir = '/logs/topic-3';
  const config = {
    segmentBytes: randInt(r, 800, 4000),
    indexIntervalBytes: randInt(r, 50, 600),
    tailCacheBytes: randInt(r, 0, 3000),
    segmentIndexBytes: 8 * randInt(r, 3, 40),
    retentionMs: -1,
    retentionBytes: -1,
  };
  let log = await PartitionLog.open(dir, config, { fs, now: () => T0 });
  const m = new Model();
  const producers: MProducer[] = [1, 2, 3].map((pid) => ({ pid, epoch: 0, nextSeq: 0 }));
  let epoch = 0;
  const trail: string[] = [];
  let op = 0;
  let nextRead = -1;
  const note = (s: string) => {
    trail.push(`${op}: ${s}`);
    if (trail.length > 30) trail.shift();
  };

  // After a truncation the producers continue from what the log holds, as a real client would after
  // an OUT_OF_ORDER_SEQUENCE error: the same epoch after its last batch, or sequence 0.
  const resync = () => {
    for (const p of producers) {
      const last = m.batches.filter((b) => b.pid === p.pid).pop();
      p.nextSeq = last && last.epoch === p.epoch ? last.firstSeq + last.values.length : 0;
    }
  };

  const check = () => {
    assert.equal(log.logEndOffset, m.leo, 'log end offset');
    assert.equal(log.logStartOffset, m.logStart, 'log start offset');
    assert.deepEqual([...log.leaderEpochs.entries], m.epochs, 'leader epochs');
  };

  try {
    for (op = 0; op < steps; op++) {
      const dice = r();
      if (dice < 0.45) {
        // Append: plain, idempotent, or a retry of a recent idempotent batch.
        const kind = r();
        if (r() < 0.02) {
          epoch++;
          note(`new leader epoch ${epoch}`);
        }
        if (kind < 0.15) {
          const p = producers[randInt(r, 0, producers.length - 1)];
          const recent = m.lastBatches(p.pid).filter((b) => b.epoch === p.epoch);
          if (recent.length > 0) {
            const b = recent[randInt(r, 0, recent.length - 1)];
            const batch = buildBatch(
              b.values.map((v) => ({ value: v })),
              { timestampMs: b.ts, producerId: p.pid, producerEpoch: b.epoch, baseSequence: b.firstSeq },
            );
            const res = log.append(batch, { leaderEpoch: epoch });
            note(`retry pid ${p.pid} seq ${b.firstSeq} → ${res.kind}`);
            const strict = m.lastBatches(p.pid).every((x) => x.base >= m.logStart);
            if (strict)
              assert.equal(res.kind, 'duplicate', `retry of batch at ${b.base} must be a duplicate`);
            if (res.kind === 'duplicate') {
              // The newest batch with this sequence range (a forgotten producer may have written it twice).
              const same = recent.filter(
                (x) => x.firstSeq === b.firstSeq && x.values.length === b.values.length,
              );
              assert.equal(res.baseOffset, same[same.length - 1].base);
              assert.equal(res.lastOffset, same[same.length - 1].last);
            } else if (res.kind === 'appended') {
              m.batches.push({ ...b, base: res.baseOffset, last: res.lastOffset, ts: b.ts });
              m.assignEpoch(epoch, res.baseOffset);
              m.leo = res.lastOffset + 1;
              p.nextSeq = b.firstSeq + b.values.length;
            }
            continue;
          }
        }
        const n = randInt(r, 1, 4);
        const values = Array.from(
          { length: n },
          (_, i) => `s${seed}-o${op}-${i}-${'x'.repeat(randInt(r, 0, 120))}`,
        );
        const ts = T0 + op;
        let pid = -1;
        let pepoch = -1;
        let seq = -1;
        let p: MProducer | undefined;
        if (kind < 0.5) {
          p = producers[randInt(r, 0, producers.length - 1)];
          if (r() < 0.03) {
            p.epoch++;
            p.nextSeq = 0;
          }
          pid = p.pid;
          pepoch = p.epoch;
          seq = p.nextSeq;
          if (r() < 0.05) seq += 3; // out of order
        }
        const batch = buildBatch(
          values.map((v) => ({ value: v })),
          { timestampMs: ts, producerId: pid, producerEpoch: pepoch, baseSequence: seq },
        );
        const res = log.append(batch, { leaderEpoch: epoch });
        note(`append ${n} pid ${pid} seq ${seq} → ${res.kind} ${res.kind === 'rejected' ? res.problem : ''}`);
        if (p && seq !== p.nextSeq) {
          // Out of order, unless the log forgot the producer (then any sequence goes).
          if (res.kind === 'rejected') {
            assert.equal(res.problem, 'out-of-order-sequence');
            continue;
          }
        }
        assert.equal(res.kind, 'appended', JSON.stringify(res));
        if (res.kind !== 'appended') continue;
        assert.equal(res.baseOffset, m.leo);
        m.batches.push({
          base: res.baseOffset,
          last: res.lastOffset,
          values,
          ts,
          pid,
          epoch: pepoch,
          firstSeq: seq,
        });
        m.assignEpoch(epoch, res.baseOffset);
        m.leo = res.lastOffset + 1;
        if (p) p.nextSeq = seq + n;
      } else if (dice < 0.7) {
        // Read from a random offset with random bounds, or on from where the last read ended (as a
        // consumer does: the segment's read hints then give the position, even after truncations).
        const from =
          nextRead >= m.logStart && nextRead <= m.leo && r() < 0.5 ? nextRead : randInt(r, m.logStart, m.leo);
        const maxOffset = randInt(r, from, m.leo);
        const maxBytes = randInt(r, 1, 2000);
        const res = await log.read(from, maxBytes, { maxOffset });
        note(`read ${from} max ${maxBytes} bound ${maxOffset} → ${res.kind}`);
        assert.equal(res.kind, 'data');
        if (res.kind !== 'data') continue;
        const got = recordsOf(res.records);
        if (res.lastOffset >= 0) nextRead = res.lastOffset + 1;
        const want = m.batches.filter((b) => b.last >= from && b.last < maxOffset);
        if (want.length > 0) assert.ok(got.length > 0, 'minOneBatch: something must be returned');
        // Whole batches from the one holding `from`, contiguous, all below maxOffset, within maxBytes (but one).
        const wantRecords = want.flatMap((b) => b.values.map((v, i) => ({ offset: b.base + i, value: v })));
        assert.deepEqual(
          got.map((x) => ({ offset: x.offset, value: x.value })),
          wantRecords.slice(0, got.length),
        );
        if (res.records.length > 0) {
          const first = readBatchHeader(res.records[0], 0);
          assert.ok(first.baseOffset <= Math.max(from, want[0].base));
          if (res.records.length > 1 || res.sizeBytes > first.sizeBytes) assert.ok(res.sizeBytes <= maxBytes);
        }
      } else if (dice < 0.75) {
        log.roll();
        note('roll');
      } else if (dice < 0.79) {
        await log.flush();
        note('flush');
      } else if (dice < 0.83) {
        // Follower truncation.
        const to = randInt(r, m.logStart, m.leo);
        await log.truncateTo(to);
        m.truncate(to);
        note(`truncate ${to} → leo ${m.leo}`);
        resync();
      } else if (dice < 0.86) {
        log.updateHighWatermark(m.leo);
        const to = randInt(r, m.logStart, m.leo);
        const res = log.deleteRecordsBefore(to);
        note(`deleteRecords ${to} → ${res.kind}`);
        assert.equal(res.kind, 'ok');
        m.advanceStart(to);
      } else if (dice < 0.89) {
        log.updateHighWatermark(m.leo);
        log.config = { ...log.config, retentionBytes: randInt(r, 0, 3 * config.segmentBytes) };
        const before = log.logStartOffset;
        const n = await log.deleteOldSegments(T0);
        log.config = { ...log.config, retentionBytes: -1 };
        note(`retention → ${n} segments, start ${before} → ${log.logStartOffset}`);
        assert.ok(log.logStartOffset >= before);
        if (log.logStartOffset > m.logStart) {
          // Retention starts the log at a segment boundary, which is a batch boundary.
          assert.ok(m.batches.some((b) => b.base === log.logStartOffset) || log.logStartOffset === m.leo);
          m.advanceStart(log.logStartOffset);
        }
      } else if (dice < 0.93) {
        const clean = r() < 0.5;
        const recoveryPoint = log.recoveryPoint;
        const logStartOffset = log.logStartOffset;
        if (clean) await log.close();
        else await log.closeWithoutFlush();
        note(`reopen ${clean ? 'clean' : 'unclean'} rp ${recoveryPoint}`);
        // Opening truncates the epoch cache to the log end (an entry at the end names no batch).
        while (m.epochs.length > 0 && m.epochs[m.epochs.length - 1].startOffset >= m.leo) m.epochs.pop();
        log = await PartitionLog.open(dir, config, {
          fs,
          now: () => T0,
          cleanShutdown: clean,
          recoveryPoint,
          logStartOffset,
        });
        resync();
      } else if (dice < 0.95) {
        const target = T0 + randInt(r, 0, op + 10);
        const got = await log.offsetForTimestamp(target);
        const want = m.batches.find((b) => b.ts >= target && b.last >= m.logStart);
        note(`offsetForTimestamp ${target}`);
        if (want === undefined) assert.equal(got, null);
        else assert.equal(got?.offset, Math.max(want.base, m.logStart));
      } else {
        const all = await readAll(log);
        assert.deepEqual(
          all.map((x) => ({ offset: x.offset, value: x.value })),
          m.records(m.logStart),
        );
        note('read all');
      }
      check();
    }
    await log.close();
    fs = fs.crash();
  } catch (err) {
    console.error(`model test failed: seed ${seed} at op ${op}\n${trail.join('\n')}`);
    throw err;
  }
}

test('PartitionLog matches the model over random operation sequences', async () => {
  for (const seed of seeds(4, 1000)) await runModel(seed, 1500);
});
