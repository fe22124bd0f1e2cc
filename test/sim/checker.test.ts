import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartitionHistory, Violation } from './checker.js';

// Seed 1794 of the driver simulation: node 3 had t0-3 at partition epoch 0 (leader 101, ISR [101]), then
// installed a snapshot with it at epoch 2 (leader 102). In between, epoch 1 had added 102 to the ISR
// (AlterPartition), so the election was clean; comparing with node 3's own previous image called it
// unclean.

test('partition history: a node jumping over changes (snapshot) is checked against the real previous step', () => {
  const h = new PartitionHistory();
  h.observe('t0/3', 0, { leader: 101, isr: [101] }, 'node 2');
  h.observe('t0/3', 1, { leader: 101, isr: [101, 102] }, 'node 2');
  h.observe('t0/3', 2, { leader: 102, isr: [102] }, 'node 2');
  // Node 3 saw epoch 0, then epoch 2 straight from a snapshot: nothing new to check, no violation.
  h.observe('t0/3', 0, { leader: 101, isr: [101] }, 'node 3');
  h.observe('t0/3', 2, { leader: 102, isr: [102] }, 'node 3');
});

test('partition history: a leader from outside the ISR one change before is caught, in either order', () => {
  const forward = new PartitionHistory();
  forward.observe('t/0', 4, { leader: 101, isr: [101] }, 'node 1');
  assert.throws(
    () => forward.observe('t/0', 5, { leader: 102, isr: [102] }, 'node 1'),
    (e) => e instanceof Violation && e.invariant === 'a new leader comes from the ISR',
  );
  // The later state seen first (by a node that installed a snapshot), the earlier one by a lagging node.
  const backward = new PartitionHistory();
  backward.observe('t/0', 5, { leader: 102, isr: [102] }, 'node 1');
  assert.throws(
    () => backward.observe('t/0', 4, { leader: 101, isr: [101] }, 'node 2'),
    (e) => e instanceof Violation && e.invariant === 'a new leader comes from the ISR',
  );
});

test('partition history: leaderless steps and re-elections from the ISR pass', () => {
  const h = new PartitionHistory();
  h.observe('t/1', 0, { leader: 101, isr: [101, 103] }, 'n');
  h.observe('t/1', 1, { leader: -1, isr: [101] }, 'n');
  h.observe('t/1', 2, { leader: 101, isr: [101] }, 'n');
  h.observe('t/1', 3, { leader: 101, isr: [101, 103] }, 'n');
  h.observe('t/1', 4, { leader: 103, isr: [103] }, 'n');
  assert.throws(() => h.observe('t/1', 5, { leader: 104, isr: [104] }, 'n'), Violation);
});
