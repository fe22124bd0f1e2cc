// ElectLeaders (kafka-leader-election.sh) and the automatic leader rebalance
// (auto.leader.rebalance.enable): a preferred election moves leadership to the first assigned replica
// when it is in the ISR and alive; an unclean one gives a leaderless partition a leader even from
// outside the ISR. Kafka's answers: ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE,
// ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION.
import { ErrorCode } from '../protocol/errors.js';
import { type MetadataImage, replay } from './image.js';
import { isActiveBroker, NO_LEADER, partitionChange } from './partition-change.js';
import type { MetadataRecord } from './records.js';

export const PREFERRED = 0;
export const UNCLEAN = 1;

export interface ElectionItemResult {
  partitionId: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface ElectLeadersOutcome {
  records: MetadataRecord[];
  results: { topic: string; partitionResult: ElectionItemResult[] }[];
}

function electOne(
  image: MetadataImage,
  topicName: string,
  partitionId: number,
  electionType: number,
): { result: ElectionItemResult; record: MetadataRecord | null } {
  const fail = (errorCode: number, errorMessage: string | null = null) => ({
    result: { partitionId, errorCode, errorMessage },
    record: null,
  });
  const topic = image.topicsByName.get(topicName);
  if (!topic) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `No such topic as ${topicName}`);
  const p = topic.partitions[partitionId];
  if (!p)
    return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `No such partition as ${topicName}-${partitionId}`);
  if (electionType === PREFERRED ? p.leader === p.replicas[0] : p.leader !== NO_LEADER)
    return fail(ErrorCode.ELECTION_NOT_NEEDED);
  const record = partitionChange(image, topic.id, p, {
    election: electionType === PREFERRED ? 'PREFERRED' : 'UNCLEAN',
  });
  if (!record)
    return fail(
      electionType === PREFERRED
        ? ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE
        : ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE,
    );
  return { result: { partitionId, errorCode: ErrorCode.NONE, errorMessage: null }, record };
}

/**
 * Elections for the named partitions, or for every partition when `topicPartitions` is null (then
 * partitions that needed none are left out of the answer, as Kafka does).
 */
export function electLeaders(
  image: MetadataImage,
  electionType: number,
  topicPartitions: readonly { topic: string; partitions: readonly number[] }[] | null,
): ElectLeadersOutcome {
  const records: MetadataRecord[] = [];
  const results: ElectLeadersOutcome['results'] = [];
  let view = image;
  const run = (topic: string, partitionId: number, keepNotNeeded: boolean, out: ElectionItemResult[]) => {
    const { result, record } = electOne(view, topic, partitionId, electionType);
    if (record) {
      records.push(record);
      view = replay(view, [record], view.offset);
    }
    if (keepNotNeeded || result.errorCode !== ErrorCode.ELECTION_NOT_NEEDED) out.push(result);
  };
  if (topicPartitions === null) {
    for (const topic of image.topicsByName.values()) {
      const out: ElectionItemResult[] = [];
      results.push({ topic: topic.name, partitionResult: out });
      topic.partitions.forEach((p) => {
        if (p) run(topic.name, p.partition, false, out);
      });
    }
  } else {
    for (const tp of topicPartitions) {
      const out: ElectionItemResult[] = [];
      results.push({ topic: tp.topic, partitionResult: out });
      for (const partitionId of tp.partitions) run(tp.topic, partitionId, true, out);
    }
  }
  return { records, results };
}

/**
 * The automatic rebalance: preferred elections for partitions whose preferred replica is alive, in
 * the ISR and not leading. At most `limit` partitions per pass, so one pass stays one bounded batch.
 */
export function rebalanceLeaders(image: MetadataImage, limit: number): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  for (const topic of image.topicsById.values()) {
    for (const p of topic.partitions) {
      if (!p || p.replicas.length === 0) continue;
      const preferred = p.replicas[0];
      if (p.leader === preferred || !p.isr.includes(preferred) || !isActiveBroker(image, preferred)) continue;
      const record = partitionChange(image, topic.id, p, { election: 'PREFERRED' });
      if (record) records.push(record);
      if (records.length >= limit) return records;
    }
  }
  return records;
}
