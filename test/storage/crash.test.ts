// Crash tests: random appends (plain and idempotent), rolls, flushes, epoch changes, truncations and
// DeleteRecords, with writes still in flight, then a simulated power cut of the in-memory file system
// (losing, tearing or garbling whatever was not fsynced) and a reopen. After each crash:
//  - every batch below the last completed flush is there, byte for byte;
//  - what is served is a prefix of what was appended (nothing half-written, no garbage), offsets contiguous;
//  - every served batch passes its CRC;
//  - leader epochs agree with the epochs stamped in the batches;
//  - a retry of each producer's last batch is recognised as a duplicate with its original offsets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBatchHeader } from '../../src/protocol/records/batch.js';
import { buildBatch } from '../../src/protocol/records/record.js';
import { MemoryFileSystem, PartitionLog } from '../../src/storage/index.js';
import { checkStoredBatch } from '../../src/storage/scan.js';
import { randInt, recordsOf, rng, seeds, T0 } from './helpers.js';

interface MBatch {
  base: number;
  last: number;
  values: string[];
  pid: number;
  pepoch: number;
  seq: number;
  epoch: number;
}

const DIR = '/crash/t-1';

async function runCrash(seed: number, mode: 'drop' | 'torn' | 'garbage', flushEveryMessage: boolean) {
  const r = rng(seed);
  let fs = new MemoryFileSystem({ now: () => T0 });
  const config = {
    segmentBytes: randInt(r, 600, 3000),
    indexIntervalBytes: randInt(r, 100, 500),
    tailCacheBytes: randInt(r, 0, 2000),
    flushMessages: flushEveryMessage ? 1 : Number.MAX_SAFE_INTEGER,
  };
  const open = (cp: { recoveryPoint: number; logStartOffset: number }) =>
    PartitionLog.open(DIR, config, { fs, now: () => T0, ...cp });
  let checkpoint = { recoveryPoint: 0, logStartOffset: 0 };
  let log = await open(checkpoint);
  let model: MBatch[] = [];
  let logStart = 0;
  let epoch = 0;
  const producers = new Map<number, { pepoch: number; seq: number }>([
    [7, { pepoch: 0, seq: 0 }],
    [8, { pepoch: 0, seq: 0 }],
  ]);
  const trail: string[] = [];
  let durableEnd = 0; // every batch below this was flushed
  let writtenEnd = 0; // with flushMessages=1: every batch below this was acknowledged durable
  let step = 0;
  const note = (s: string) => {
    trail.push(`${step}: ${s}`);
    if (trail.length > 25) trail.shift();
  };
  try {
    for (let cycle = 0; cycle < 4; cycle++) {
      const ops = randInt(r, 20, 250);
      for (let i = 0; i < ops; i++, step++) {
        const d = r();
        if (d < 0.6) {
          const n = randInt(r, 1, 3);
          const values = Array.from(
            { length: n },
            (_, k) => `c${cycle}-${step}-${k}-${'y'.repeat(randInt(r, 0, 90))}`,
          );
          let pid = -1;
          let p: { pepoch: number; seq: number } | undefined;
          if (r() < 0.5) {
            pid = r() < 0.5 ? 7 : 8;
            p = producers.get(pid)!;
          }
          if (r() < 0.03) epoch++;
          const batch = buildBatch(
            values.map((v) => ({ value: v })),
            {
              timestampMs: T0 + step,
              producerId: pid,
              producerEpoch: p?.pepoch ?? -1,
              baseSequence: p?.seq ?? -1,
            },
          );
          const res = log.append(batch, { leaderEpoch: epoch });
          assert.equal(res.kind, 'appended', JSON.stringify(res));
          if (res.kind !== 'appended') continue;
          model.push({
            base: res.baseOffset,
            last: res.lastOffset,
            values,
            pid,
            pepoch: p?.pepoch ?? -1,
            seq: p?.seq ?? -1,
            epoch,
          });
          if (p) p.seq += n;
          const last = res.lastOffset;
          res.written.then(
            () => {
              if (last + 1 > writtenEnd) writtenEnd = last + 1;
            },
            () => {},
          );
          note(`append ${res.baseOffset}..${res.lastOffset} pid ${pid}`);
        } else if (d < 0.68) {
          log.roll();
          note('roll');
        } else if (d < 0.76) {
          const end = log.logEndOffset;
          await log.flush();
          durableEnd = Math.max(durableEnd, end);
          if (r() < 0.7)
            checkpoint = { recoveryPoint: log.recoveryPoint, logStartOffset: log.logStartOffset };
          note(`flush to ${end}`);
        } else if (d < 0.8) {
          // A flush left running when the power goes.
          const end = log.logEndOffset;
          log.flush().then(
            () => {
              durableEnd = Math.max(durableEnd, end);
            },
            () => {},
          );
          note('flush (not awaited)');
        } else if (d < 0.84) {
          const to = randInt(r, Math.max(logStart, log.logEndOffset - 10), log.logEndOffset);
          await log.truncateTo(to);
          const idx = model.findIndex((b) => b.last >= to);
          if (idx >= 0) model = model.slice(0, idx);
          // Truncation is made durable before anything else happens (see the file comment).
          await log.flush();
          durableEnd = Math.min(durableEnd, log.logEndOffset);
          writtenEnd = Math.min(writtenEnd, log.logEndOffset);
          checkpoint = { recoveryPoint: log.recoveryPoint, logStartOffset: log.logStartOffset };
          for (const [pid, p] of producers) {
            const lastB = model.filter((b) => b.pid === pid).pop();
            if (lastB && lastB.pepoch === p.pepoch) p.seq = lastB.seq + lastB.values.length;
            else {
              p.pepoch++;
              p.seq = 0;
            }
          }
          note(`truncate to ${to} → ${log.logEndOffset}`);
        } else if (d < 0.86) {
          log.updateHighWatermark(log.logEndOffset);
          const to = randInt(r, logStart, log.logEndOffset);
          assert.equal(log.deleteRecordsBefore(to).kind, 'ok');
          logStart = log.logStartOffset;
          note(`deleteRecords ${to}`);
        } else {
          // Let the I/O make progress.
          await new Promise((res) => setImmediate(res));
        }
      }
      // Power cut.
      note(
        `crash (${mode}) durable ${durableEnd} written ${writtenEnd} checkpoint ${JSON.stringify(checkpoint)}`,
      );
      fs = fs.crash(mode === 'drop' ? {} : { rng: r, garbage: mode === 'garbage' });
      log = await open(checkpoint);
      await verify();
    }
    await log.close();
  } catch (err) {
    console.error(
      `crash test failed: seed ${seed} mode ${mode} flushEveryMessage ${flushEveryMessage}\n${trail.join('\n')}`,
    );
    throw err;
  }

  async function verify(): Promise<void> {
    const mustHave = flushEveryMessage ? Math.max(durableEnd, writtenEnd) : durableEnd;
    assert.ok(
      log.logEndOffset >= Math.min(mustHave, model.length ? model[model.length - 1].last + 1 : 0),
      `log end ${log.logEndOffset} < durable ${mustHave}`,
    );
    logStart = log.logStartOffset;
    // Read everything from the log start; compare with the model batch by batch.
    let offset = logStart;
    const seen: MBatch[] = [];
    while (offset < log.logEndOffset) {
      const res = await log.read(offset, 4096);
      assert.equal(res.kind, 'data');
      if (res.kind !== 'data') return;
      assert.ok(res.records.length > 0, `nothing read at ${offset}`);
      for (const chunk of res.records) {
        let pos = 0;
        while (pos < chunk.length) {
          const h = readBatchHeader(chunk, pos);
          assert.equal(checkStoredBatch(chunk, pos, h.sizeBytes), null, 'served batch fails its checks');
          const m = model.find((b) => b.base === h.baseOffset);
          assert.ok(m, `served batch at ${h.baseOffset} was never appended (or is misplaced)`);
          assert.equal(h.baseOffset + h.lastOffsetDelta, m.last, `batch at ${h.baseOffset}: last offset`);
          const values = recordsOf([chunk.subarray(pos, pos + h.sizeBytes)]).map((x) => x.value);
          assert.deepEqual(values, m.values, `batch ${h.baseOffset} content`);
          assert.equal(h.partitionLeaderEpoch, m.epoch);
          // Below the first cached epoch (a stale log-start checkpoint after a crash) the epoch may be unknown.
          const first = log.leaderEpochs.entries[0]?.startOffset ?? Number.POSITIVE_INFINITY;
          const lastOffset = h.baseOffset + h.lastOffsetDelta;
          const e = log.leaderEpochs.epochForOffset(lastOffset);
          if (lastOffset >= first || e !== -1) assert.equal(e, m.epoch, `epoch of ${h.baseOffset}`);
          if (seen.length > 0)
            assert.equal(h.baseOffset, seen[seen.length - 1].last + 1, 'offsets contiguous');
          seen.push(m);
          pos += h.sizeBytes;
        }
      }
      offset = res.lastOffset + 1;
    }
    const lastSeen = seen[seen.length - 1];
    assert.equal(log.logEndOffset, lastSeen ? lastSeen.last + 1 : log.logEndOffset);
    for (const e of log.leaderEpochs.entries)
      assert.ok(e.startOffset < log.logEndOffset || log.logEndOffset === logStart);
    // The model continues from what survived.
    model = model.filter((b) => b.last < log.logEndOffset);
    durableEnd = Math.min(durableEnd, log.logEndOffset);
    writtenEnd = Math.min(writtenEnd, log.logEndOffset);
    // Producer state: a retry of each producer's last surviving batch is a duplicate.
    for (const [pid, p] of producers) {
      const lastB = model.filter((b) => b.pid === pid).pop();
      if (lastB && lastB.base >= logStart) {
        const retry = buildBatch(
          lastB.values.map((v) => ({ value: v })),
          { timestampMs: T0, producerId: pid, producerEpoch: lastB.pepoch, baseSequence: lastB.seq },
        );
        const res = log.append(retry, { leaderEpoch: epoch });
        assert.equal(
          res.kind,
          'duplicate',
          `producer ${pid}: retry of ${lastB.base} gave ${JSON.stringify(res)}`,
        );
        if (res.kind === 'duplicate') assert.equal(res.baseOffset, lastB.base);
        p.pepoch = lastB.pepoch;
        p.seq = lastB.seq + lastB.values.length;
      } else {
        p.pepoch++;
        p.seq = 0;
      }
    }
    checkpoint = { recoveryPoint: log.recoveryPoint, logStartOffset: log.logStartOffset };
  }
}

test('crash: unsynced writes dropped', async () => {
  for (const seed of seeds(6, 2000)) await runCrash(seed, 'drop', false);
});

test('crash: torn and garbled unsynced tails', async () => {
  for (const seed of seeds(6, 3000)) {
    await runCrash(seed, 'torn', false);
    await runCrash(seed + 500, 'garbage', false);
  }
});

test('crash: flush.messages=1 makes every acknowledged append durable', async () => {
  for (const seed of seeds(4, 4000)) await runCrash(seed, 'garbage', true);
});
