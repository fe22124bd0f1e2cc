import type { Entry, Message } from './types.js';

// One-line descriptions of entries and messages, for logs, simulator traces and transcript tests.

const textDecoder = new TextDecoder();

function printable(data: Uint8Array): string {
  const text = textDecoder.decode(data.subarray(0, 24));
  return /^[\x20-\x7e]*$/.test(text) ? JSON.stringify(text) : `${data.length}B`;
}

export function formatEntry(e: Entry): string {
  const at = `${e.offset}@${e.epoch}`;
  switch (e.kind) {
    case 'data':
      return `${at} ${printable(e.data)}`;
    case 'leaderChange':
      return `${at} LeaderChange(leader=${e.leaderChange.leaderId})`;
    case 'voters':
      return `${at} Voters(${e.voters.voters.map((v) => v.voterId).join(',')})`;
  }
}

function formatRecords(records: Entry[]): string {
  if (records.length === 0) return '[]';
  if (records.length <= 4) return `[${records.map(formatEntry).join(', ')}]`;
  const first = records[0];
  const last = records[records.length - 1];
  return `[${records.length} entries ${first.offset}@${first.epoch}..${last.offset}@${last.epoch}]`;
}

const errorNames: Record<number, string> = {
  6: 'NOT_LEADER_OR_FOLLOWER',
  42: 'INVALID_REQUEST',
  74: 'FENCED_LEADER_EPOCH',
  75: 'UNKNOWN_LEADER_EPOCH',
  94: 'INCONSISTENT_VOTER_SET',
  98: 'SNAPSHOT_NOT_FOUND',
  99: 'POSITION_OUT_OF_RANGE',
  104: 'INCONSISTENT_CLUSTER_ID',
};

function err(code: number): string {
  return code === 0 ? '' : ` error=${errorNames[code] ?? code}`;
}

export function formatMessage(m: Message): string {
  const b = m.body;
  const head = `${m.from}->${m.to}`;
  switch (b.kind) {
    case 'VoteRequest':
      return `${head} Vote${b.preVote ? '(pre)' : ''} epoch=${b.replicaEpoch} last=${b.lastOffset}@${b.lastOffsetEpoch}`;
    case 'VoteResponse':
      return `${head} VoteResponse ${b.voteGranted ? 'granted' : 'rejected'} epoch=${b.leaderEpoch} leader=${b.leaderId}${err(b.errorCode)}`;
    case 'BeginQuorumEpochRequest':
      return `${head} BeginQuorumEpoch epoch=${b.leaderEpoch} leader=${b.leaderId}`;
    case 'BeginQuorumEpochResponse':
      return `${head} BeginQuorumEpochResponse epoch=${b.leaderEpoch} leader=${b.leaderId}${err(b.errorCode)}`;
    case 'EndQuorumEpochRequest':
      return `${head} EndQuorumEpoch epoch=${b.leaderEpoch} leader=${b.leaderId} preferred=[${b.preferredCandidates.map((c) => c.candidateId).join(',')}]`;
    case 'EndQuorumEpochResponse':
      return `${head} EndQuorumEpochResponse epoch=${b.leaderEpoch} leader=${b.leaderId}${err(b.errorCode)}`;
    case 'FetchRequest':
      return `${head} Fetch epoch=${b.currentLeaderEpoch} offset=${b.fetchOffset} lastEpoch=${b.lastFetchedEpoch}`;
    case 'FetchResponse': {
      const what = b.divergingEpoch
        ? ` diverging=${b.divergingEpoch.endOffset}@${b.divergingEpoch.epoch}`
        : b.snapshotId
          ? ` snapshot=${b.snapshotId.endOffset}@${b.snapshotId.epoch}`
          : ` records=${formatRecords(b.records)}`;
      const leader = `epoch=${b.currentLeader.leaderEpoch} leader=${b.currentLeader.leaderId}`;
      return `${head} FetchResponse ${leader} hwm=${b.highWatermark}${err(b.errorCode)}${b.errorCode === 0 ? what : ''}`;
    }
    case 'FetchSnapshotRequest':
      return `${head} FetchSnapshot epoch=${b.currentLeaderEpoch} snapshot=${b.snapshotId.endOffset}@${b.snapshotId.epoch} position=${b.position}`;
    case 'FetchSnapshotResponse':
      return `${head} FetchSnapshotResponse epoch=${b.currentLeader.leaderEpoch} snapshot=${b.snapshotId.endOffset}@${b.snapshotId.epoch} position=${b.position} size=${b.size} bytes=${b.unalignedRecords.length}${err(b.errorCode)}`;
  }
}
