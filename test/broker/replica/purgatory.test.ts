import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DelayedOperation, Purgatory } from '../../../src/broker/replica/purgatory.js';

function op(
  keys: string[],
  deadlineMs: number,
  ready: () => boolean,
  log: string[],
  name: string,
): DelayedOperation {
  return {
    keys,
    deadlineMs,
    tryComplete: () => {
      if (!ready()) return false;
      log.push(`${name}:done`);
      return true;
    },
    expire: () => log.push(`${name}:expired`),
  };
}

test('operations complete when woken and ready, expire at their deadline otherwise', async () => {
  const p = new Purgatory('fetch', 100, Date.now);
  const log: string[] = [];
  let aReady = false;
  p.park(op(['t-0'], Date.now() + 20, () => aReady, log, 'a'));
  p.park(op(['t-1'], Date.now() + 40, () => false, log, 'b'));
  assert.equal(p.size, 2);
  p.wake('t-0');
  assert.deepEqual(log, []);
  aReady = true;
  p.wake('t-0');
  assert.deepEqual(log, ['a:done']);
  assert.equal(p.size, 1);
  await sleep(80);
  assert.deepEqual(log, ['a:done', 'b:expired']);
  assert.equal(p.size, 0);
});

test('a full purgatory answers at once instead of queueing', () => {
  const p = new Purgatory('fetch', 1, Date.now);
  const log: string[] = [];
  p.park(op(['k'], Date.now() + 10_000, () => false, log, 'a'));
  p.park(op(['k'], Date.now() + 10_000, () => false, log, 'b'));
  assert.deepEqual(log, ['b:expired']);
  p.expireAll();
  assert.deepEqual(log, ['b:expired', 'a:expired']);
});

test('an operation that can complete immediately is never parked', () => {
  const p = new Purgatory('fetch', 10, Date.now);
  const log: string[] = [];
  p.park(op(['k'], Date.now() + 10_000, () => true, log, 'a'));
  assert.deepEqual(log, ['a:done']);
  assert.equal(p.size, 0);
});
