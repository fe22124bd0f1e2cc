// The quorum-state file of `__cluster_metadata-0`, in Kafka's JSON (one line, QuorumStateData plus
// "data_version"): version 0 for a static quorum (kraft.version 0) lists the voters, version 1 for a
// dynamic one carries the voted replica's directory id. Written to a temporary file, fsynced, and
// renamed over the old one, so a crash leaves the old state or the new, never a torn one.
import type { HardState } from '../../raft/index.js';
import { type FileSystem, readWholeFile, writeFileAtomic } from '../../storage/index.js';
import { NO_DIRECTORY_ID } from './voter-directory.js';

export const QUORUM_STATE_FILE = 'quorum-state';

export interface QuorumStateFile extends HardState {
  dataVersion: number;
  votedDirectoryId: string;
  currentVoters: number[] | null;
}

export function formatQuorumState(
  hs: HardState,
  kraftVersion: number,
  voters: readonly number[],
  votedDirectoryId = NO_DIRECTORY_ID,
): string {
  if (kraftVersion === 0) {
    return JSON.stringify({
      clusterId: '',
      leaderId: hs.leaderId,
      leaderEpoch: hs.leaderEpoch,
      votedId: hs.votedId,
      appliedOffset: 0,
      currentVoters: voters.map((voterId) => ({ voterId })),
      data_version: 0,
    });
  }
  return JSON.stringify({
    leaderId: hs.leaderId,
    leaderEpoch: hs.leaderEpoch,
    votedId: hs.votedId,
    votedDirectoryId,
    data_version: 1,
  });
}

export type ParsedQuorumState = { ok: true; state: QuorumStateFile } | { ok: false; error: string };

export function parseQuorumState(text: string): ParsedQuorumState {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text.split('\n')[0]) as Record<string, unknown>;
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  const version = json.data_version;
  if (version !== 0 && version !== 1)
    return { ok: false, error: `data_version ${String(version)} is not 0 or 1` };
  const int = (k: string, fallback: number): number =>
    typeof json[k] === 'number' && Number.isSafeInteger(json[k]) ? (json[k] as number) : fallback;
  const voters = Array.isArray(json.currentVoters)
    ? (json.currentVoters as { voterId?: number }[]).map((v) => v.voterId ?? -1)
    : null;
  return {
    ok: true,
    state: {
      dataVersion: version,
      leaderId: int('leaderId', -1),
      leaderEpoch: int('leaderEpoch', 0),
      votedId: int('votedId', -1),
      votedDirectoryId: typeof json.votedDirectoryId === 'string' ? json.votedDirectoryId : NO_DIRECTORY_ID,
      currentVoters: voters,
    },
  };
}

export async function readQuorumState(fs: FileSystem, dir: string): Promise<ParsedQuorumState | null> {
  const bytes = await readWholeFile(fs, `${dir}/${QUORUM_STATE_FILE}`);
  if (bytes === null) return null;
  return parseQuorumState(bytes.toString('utf8'));
}

export async function writeQuorumState(fs: FileSystem, dir: string, text: string): Promise<void> {
  await writeFileAtomic(fs, `${dir}/${QUORUM_STATE_FILE}`, Buffer.from(text, 'utf8'));
}
