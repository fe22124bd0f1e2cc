import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QuotaTable, SampledRate, TokenBucket, throttleMs } from '../../src/security/quotas.js';

test("the most specific quota wins, in Kafka's order of precedence", () => {
  const t = new QuotaTable();
  t.set({ clientId: null }, 'producer_byte_rate', 8);
  assert.equal(t.resolve('alice', 'app', 'producer_byte_rate')?.value, 8);
  t.set({ clientId: 'app' }, 'producer_byte_rate', 7);
  assert.equal(t.resolve('alice', 'app', 'producer_byte_rate')?.value, 7);
  t.set({ user: null }, 'producer_byte_rate', 6);
  assert.equal(t.resolve('alice', 'app', 'producer_byte_rate')?.value, 6);
  t.set({ user: null, clientId: null }, 'producer_byte_rate', 5);
  t.set({ user: null, clientId: 'app' }, 'producer_byte_rate', 4);
  assert.equal(t.resolve('alice', 'app', 'producer_byte_rate')?.value, 4);
  t.set({ user: 'alice' }, 'producer_byte_rate', 3);
  t.set({ user: 'alice', clientId: null }, 'producer_byte_rate', 2);
  assert.equal(t.resolve('alice', 'app', 'producer_byte_rate')?.value, 2);
  t.set({ user: 'alice', clientId: 'app' }, 'producer_byte_rate', 1);
  assert.equal(t.resolve('alice', 'app', 'producer_byte_rate')?.value, 1);
  assert.equal(t.resolve('bob', 'other', 'producer_byte_rate')?.value, 5);
  assert.equal(t.resolve('alice', 'app', 'consumer_byte_rate'), null);
  t.set({ user: 'alice', clientId: 'app' }, 'producer_byte_rate', null);
  assert.equal(t.resolve('alice', 'app', 'producer_byte_rate')?.value, 2);
});

test('a sampled rate over 11 one-second samples, and the throttle time its excess gives', () => {
  const window = { samples: 11, sampleMs: 1000 };
  const r = new SampledRate(window, 0);
  for (let t = 0; t < 10_000; t += 100) r.record(100_000, t); // 1 MB/s for 10 s
  assert.ok(Math.abs(r.perSecond(10_000) - 1_000_000) < 20_000, `rate ${r.perSecond(10_000)}`);
  // Twice the quota for the window: silence for as long as the window to halve the rate.
  assert.equal(throttleMs(2_000_000, 1_000_000, 10_000, 11_000), 10_000);
  assert.equal(throttleMs(900_000, 1_000_000, 10_000, 11_000), 0);
  assert.equal(throttleMs(100_000_000, 1_000_000, 10_000, 11_000), 11_000);
  // Samples older than the window are forgotten.
  assert.ok(r.perSecond(40_000) < 1, `rate after a long silence ${r.perSecond(40_000)}`);
});

test("controller_mutation_rate's token bucket: a burst of the window's worth, refilled at the quota", () => {
  const b = new TokenBucket({ samples: 11, sampleMs: 1000 }, 0);
  b.record(11, 2, 0); // 22 tokens to begin with (2 per second over 11 s)
  assert.equal(b.throttleMs(2, 0), 0);
  b.record(15, 2, 0); // 11 - 15 = -4: two seconds at 2 per second
  assert.equal(b.throttleMs(2, 0), 2_000);
  assert.equal(b.throttleMs(2, 1_500), 500);
  assert.equal(b.throttleMs(2, 60_000), 0);
  // Refilled, never past the burst.
  b.record(22, 2, 60_000);
  assert.equal(b.throttleMs(2, 60_000), 0);
  b.record(1, 2, 60_000);
  assert.equal(b.throttleMs(2, 60_000), 500);
});
