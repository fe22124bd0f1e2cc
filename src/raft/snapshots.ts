import type { RaftCore } from './core.js';
import { leaderRequestError, sendFetch, sendFetchSnapshot } from './replication.js';
import {
  ErrorCode,
  type FetchSnapshotRequest,
  type FetchSnapshotResponse,
  type Message,
  type Snapshot,
  type SnapshotId,
} from './types.js';

// Snapshots (KIP-630): the state machine hands the core a snapshot of what it has applied, the core drops
// the log below it, and a replica that asks for an offset below the log start fetches the snapshot in
// chunks (FetchSnapshot) and replaces its log with it.

const MAGIC = 0x52534e31; // "RSN1"

/** Snapshot bytes as they travel: magic, voter count, voter ids, then the state machine's data. */
export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  const header = 8 + 4 * snapshot.voters.length;
  const out = new Uint8Array(header + snapshot.data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC);
  view.setUint32(4, snapshot.voters.length);
  snapshot.voters.forEach((v, i) => {
    view.setInt32(8 + 4 * i, v);
  });
  out.set(snapshot.data, header);
  return out;
}

export function decodeSnapshot(id: SnapshotId, bytes: Uint8Array): Snapshot | null {
  if (bytes.length < 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== MAGIC) return null;
  const count = view.getUint32(4);
  const header = 8 + 4 * count;
  if (count === 0 || header > bytes.length) return null;
  const voters: number[] = [];
  for (let i = 0; i < count; i++) voters.push(view.getInt32(8 + 4 * i));
  return { id: { ...id }, voters, data: bytes.slice(header) };
}

const encoded = new WeakMap<Snapshot, Uint8Array>();

function bytesOf(core: RaftCore, snapshot: Snapshot): Uint8Array {
  let bytes = encoded.get(snapshot);
  if (!bytes) {
    bytes = core.cfg.snapshotCodec.encode(snapshot);
    encoded.set(snapshot, bytes);
  }
  return bytes;
}

/** Takes a snapshot the state machine made of everything applied below endOffset and compacts the log. */
export function compact(core: RaftCore, endOffset: number, data: Uint8Array): boolean {
  const log = core.log;
  if (endOffset <= log.startOffset || endOffset > core.applied) return false;
  log.compact({
    id: { endOffset, epoch: log.epochAt(endOffset - 1) },
    voters: [...log.votersAt(endOffset)],
    data,
  });
  return true;
}

export function handleFetchSnapshotRequest(core: RaftCore, msg: Message, req: FetchSnapshotRequest): void {
  const snapshot = core.log.snapshot;
  const bytes = bytesOf(core, snapshot);
  const reply = (
    errorCode: ErrorCode,
    position = req.position,
    chunk: Uint8Array = new Uint8Array(0),
  ): void => {
    const body: FetchSnapshotResponse = {
      kind: 'FetchSnapshotResponse',
      errorCode,
      snapshotId: { ...req.snapshotId },
      currentLeader: { leaderId: core.knownLeader(), leaderEpoch: core.epoch },
      size: bytes.length,
      position,
      unalignedRecords: chunk,
    };
    core.send(msg.from, body, msg.correlationId);
  };
  const error = leaderRequestError(core, req.currentLeaderEpoch);
  if (error !== null) {
    reply(error);
    return;
  }
  if (core.isVoter(req.replicaId)) core.leader!.heardFrom.add(req.replicaId);
  const id = snapshot.id;
  if (id.endOffset !== req.snapshotId.endOffset || id.epoch !== req.snapshotId.epoch) {
    reply(ErrorCode.SNAPSHOT_NOT_FOUND);
    return;
  }
  if (req.position < 0 || req.position >= bytes.length) {
    reply(ErrorCode.POSITION_OUT_OF_RANGE);
    return;
  }
  const chunkBytes = Math.max(1, Math.min(req.maxBytes, core.cfg.snapshotChunkBytesMax));
  reply(ErrorCode.NONE, req.position, bytes.subarray(req.position, req.position + chunkBytes));
}

export function handleFetchSnapshotResponse(core: RaftCore, msg: Message, resp: FetchSnapshotResponse): void {
  const sf = core.snapshotFetch;
  if (!sf?.request || sf.request.correlationId !== msg.correlationId || sf.request.to !== msg.from) return;
  sf.request = null;
  if (core.observeLeader(resp.currentLeader.leaderEpoch, resp.currentLeader.leaderId)) return;
  const sameSnapshot = resp.snapshotId.endOffset === sf.endOffset && resp.snapshotId.epoch === sf.epoch;
  if (resp.errorCode !== ErrorCode.NONE || !sameSnapshot || resp.position !== sf.position) {
    // The leader moved on to a newer snapshot, or something is off: start over with a plain fetch.
    core.snapshotFetch = null;
    core.fetchBackoffTicks = 1;
    return;
  }
  core.fetchElapsedTicks = 0;
  core.hasFetchedFromLeader = true;
  sf.chunks.push(resp.unalignedRecords.slice());
  sf.position += resp.unalignedRecords.length;
  sf.size = resp.size;
  if (sf.position < sf.size && resp.unalignedRecords.length > 0) {
    sendFetchSnapshot(core);
    return;
  }
  core.snapshotFetch = null;
  const snapshot =
    sf.position === sf.size ? core.cfg.snapshotCodec.decode(resp.snapshotId, concat(sf.chunks)) : null;
  if (snapshot) installSnapshot(core, snapshot);
  sendFetch(core, core.leaderId);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Replaces the log with a snapshot from the leader; the state machine restarts from it. */
function installSnapshot(core: RaftCore, snapshot: Snapshot): void {
  // Everything below our apply cursor is already committed and applied: nothing to gain.
  if (snapshot.id.endOffset <= core.applyCursor) return;
  core.log.installSnapshot(snapshot);
  core.highWatermark = Math.max(core.highWatermark, snapshot.id.endOffset);
  core.applyCursor = snapshot.id.endOffset;
  core.snapshotToApply = snapshot;
}
