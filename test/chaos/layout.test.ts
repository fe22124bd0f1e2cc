// The cluster the lab checks is the one it asked for, and the leader elections its faults caused are counted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ClusterLayout, layoutLine, layoutMismatches, leaderElections } from './layout.js';

const asked = { nodes: 3, partitions: 2, replicationFactor: 3, minInsyncReplicas: 2 };

function layout(epochs: number[], over: Partial<ClusterLayout> = {}): ClusterLayout {
  return {
    voters: [1, 2, 3],
    quorumLeader: 1,
    minInsyncReplicas: 2,
    partitions: epochs.map((leaderEpoch, p) => ({
      p,
      leader: 1 + p,
      leaderEpoch,
      replicas: [1, 2, 3],
      isr: [1, 2, 3],
    })),
    ...over,
  };
}

test('a cluster as asked for has no mismatches; each difference is named', () => {
  assert.deepEqual(layoutMismatches(layout([0, 0]), asked), []);
  const wrong = layoutMismatches(
    layout([0], {
      voters: [1],
      minInsyncReplicas: 1,
      partitions: [{ p: 0, leader: 1, leaderEpoch: 0, replicas: [1], isr: [1] }],
    }),
    asked,
  );
  assert.equal(wrong.length, 4);
  assert.match(wrong[0], /1 voter\(s\) \[1\], not 3/);
  assert.match(wrong[1], /1 partition\(s\), not 2/);
  assert.match(wrong[2], /partition 0 has replicas \[1\], not 3/);
  assert.match(wrong[3], /min.insync.replicas is 1, not 2/);
  // One node: no quorum of several to ask for.
  assert.deepEqual(layoutMismatches(layout([0, 0], { voters: [1] }), { ...asked, nodes: 1 }), []);
});

test('leader elections are the rise of the leader epochs', () => {
  assert.equal(leaderElections(layout([0, 0]), layout([3, 1])), 4);
  assert.equal(leaderElections(layout([2, 0]), layout([2, 0])), 0);
  assert.match(
    layoutLine(layout([1, 0])),
    /^quorum voters 1,2,3 \(leader 1\); min.insync.replicas 2; p0 leader 1 epoch 1/,
  );
});
