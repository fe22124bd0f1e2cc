// What the cluster under test looks like, asked of it rather than assumed: the metadata quorum's
// voters, the topic's replicas, ISR, leaders and leader epochs, and its min.insync.replicas. The lab
// records it after creating the topic and again after the faults healed, so a run's report shows the
// cluster it checked (three voters, three replicas, min.insync.replicas=2) and how many leader
// elections the faults caused; a cluster that is not the one asked for fails the run as a problem,
// since the checker's guarantees would then be about another configuration.
import type { Admin } from '../../src/client/index.js';

export interface PartitionLayout {
  p: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

export interface ClusterLayout {
  /** Voters of the metadata quorum (empty when the cluster does not answer DescribeQuorum). */
  voters: number[];
  quorumLeader: number;
  /** min.insync.replicas of the topic as the cluster describes it (null: not described). */
  minInsyncReplicas: number | null;
  partitions: PartitionLayout[];
}

export async function describeLayout(admin: Admin, topic: string, timeoutMs: number): Promise<ClusterLayout> {
  const quorum = await admin.describeQuorum({ timeoutMs }).catch(() => null);
  const [described] = await admin.describeTopics([topic], { timeoutMs });
  const configs = await admin
    .describeConfigs([{ type: 'topic', name: topic, keys: ['min.insync.replicas'] }], { timeoutMs })
    .catch(() => []);
  const minIsr = configs[0]?.configs.find((c) => c.name === 'min.insync.replicas')?.value;
  return {
    voters: (quorum?.voters ?? []).map((v) => v.replicaId).sort((a, b) => a - b),
    quorumLeader: quorum?.leaderId ?? -1,
    minInsyncReplicas: minIsr === undefined || minIsr === null ? null : Number(minIsr),
    partitions: (described?.partitions ?? [])
      .map((p) => ({
        p: p.partition,
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicas: [...p.replicas],
        isr: [...p.isr],
      }))
      .sort((a, b) => a.p - b.p),
  };
}

/** What is not as the lab asked: one line each (none: the cluster is the one the guarantees are about). */
export function layoutMismatches(
  layout: ClusterLayout,
  want: { nodes: number; partitions: number; replicationFactor: number; minInsyncReplicas: number },
): string[] {
  const out: string[] = [];
  if (want.nodes > 1 && layout.voters.length !== want.nodes)
    out.push(
      `the metadata quorum has ${layout.voters.length} voter(s) [${layout.voters}], not ${want.nodes}`,
    );
  if (layout.partitions.length !== want.partitions)
    out.push(`the topic has ${layout.partitions.length} partition(s), not ${want.partitions}`);
  for (const p of layout.partitions) {
    if (p.replicas.length !== want.replicationFactor)
      out.push(`partition ${p.p} has replicas [${p.replicas}], not ${want.replicationFactor}`);
  }
  if (layout.minInsyncReplicas !== want.minInsyncReplicas)
    out.push(`the topic's min.insync.replicas is ${layout.minInsyncReplicas}, not ${want.minInsyncReplicas}`);
  return out;
}

/** Leader elections between two layouts: the leader epochs' total rise. */
export function leaderElections(before: ClusterLayout, after: ClusterLayout): number {
  let n = 0;
  for (const p of after.partitions) {
    const b = before.partitions.find((x) => x.p === p.p);
    if (b) n += Math.max(0, p.leaderEpoch - b.leaderEpoch);
  }
  return n;
}

/** One line for a report: `voters 1,2,3; p0 leader 2 epoch 3 isr 2,1,3; ...`. */
export function layoutLine(layout: ClusterLayout): string {
  const parts = layout.partitions.map(
    (p) => `p${p.p} leader ${p.leader} epoch ${p.leaderEpoch} replicas ${p.replicas} isr ${p.isr}`,
  );
  return [
    `quorum voters ${layout.voters.join(',') || '?'} (leader ${layout.quorumLeader})`,
    `min.insync.replicas ${layout.minInsyncReplicas ?? '?'}`,
    ...parts,
  ].join('; ');
}
