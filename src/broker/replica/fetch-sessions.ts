// Incremental fetch sessions (KIP-227), as Kafka's FetchSessionCache keeps them. A consumer that opens
// a session (epoch 0) sends, from then on, only the partitions whose fetch position changed (epochs
// 1, 2, ...), and partitions to drop (`forgotten_topics_data`); the broker remembers the rest and
// answers only the partitions with something new: records, a moved high watermark or log start
// offset, an error. Every other request shape is a full fetch:
//
//   session id  epoch   meaning
//   0           -1      full fetch, no session (librdkafka, kafkajs, kafka-go, versions < 7)
//   0           0       full fetch; open a session if a slot is free (its id answers, epoch 1 next)
//   id          0       full fetch; close session id, open a new one
//   id          -1      full fetch; close session id, no new session
//   id          n > 0   incremental fetch of session id: FETCH_SESSION_ID_NOT_FOUND if it is not
//                       here, INVALID_FETCH_SESSION_EPOCH unless n is the session's next epoch,
//                       FETCH_SESSION_TOPIC_ID_ERROR if it switches between names and topic ids
//
// The cache holds at most `max.incremental.fetch.session.cache.slots` sessions. When it is full a new
// session takes a slot only by evicting: first the least recently used session if it is idle for
// more than two minutes; otherwise the least valuable evictable session (consumers' sessions rank
// below followers', smaller below larger), provided the new one is worth at least as much. A session
// becomes evictable two minutes after its creation (a consumer's at once, for a follower).
//
// The handler asks for a context (`open`), reads the partitions it names, then hands the response to
// `context.complete`, which fills in the session id, creates the session (full fetch, epoch 0) or
// keeps only the partitions worth sending (incremental fetch). The module knows requests and
// responses, never logs or partitions.
import { ErrorCode } from '../../protocol/errors.js';
import type {
  FetchRequestFetchPartition,
  FetchRequestFetchTopic,
  FetchRequestForgottenTopic,
  FetchResponse,
  FetchResponsePartitionData,
} from '../../protocol/messages/index.js';
import { ZERO_UUID } from '../../protocol/schema/codec.js';

/** Kafka's INVALID_SESSION_ID: no session. */
export const NO_SESSION = 0;
const INITIAL_EPOCH = 0;
const FINAL_EPOCH = -1;
/** A session is evictable, and the least recently used one stale, after this long (Kafka's constant). */
export const FETCH_SESSION_EVICTION_MS = 120_000;
/** Fetch v13 addresses topics by id; a session keeps the form it was created with. */
const TOPIC_IDS_VERSION = 13;

export interface FetchSessionRequest {
  version: number;
  sessionId: number;
  sessionEpoch: number;
  topics: readonly FetchRequestFetchTopic[];
  forgotten: readonly FetchRequestForgottenTopic[];
  /** A follower's fetch: its sessions rank above consumers' (Kafka's "privileged"). */
  fromFollower: boolean;
}

/** A fetch to answer: the partitions to read, in order, and how to turn the read into the response. */
export interface FetchContext {
  readonly kind: 'sessionless' | 'full' | 'incremental';
  /** What to read, shaped as the request's topics (for an incremental fetch: the whole session). */
  readonly topics: readonly FetchRequestFetchTopic[];
  /**
   * Takes the response built for `topics` (the same topics and partitions, in the same order) and
   * returns the one to send: with the session id, and for an incremental fetch only the partitions
   * that changed.
   */
  complete(response: FetchResponse): FetchResponse;
}

export type FetchContextResult = FetchContext | { errorCode: number };

/** One partition of a session: what the client asked last, and what it was told last. */
interface CachedPartition {
  topic: string;
  topicId: string;
  partition: number;
  request: FetchRequestFetchPartition;
  /** The high watermark last sent (-1: never, or an error was sent). */
  highWatermark: number;
  /** The log start offset last sent. */
  logStartOffset: number;
}

class FetchSession {
  /** In the order partitions are read; a partition that returned records moves to the end. */
  readonly partitions = new Map<string, CachedPartition>();
  epoch = 1;
  lastUsedMs: number;
  /** Size and evictability as of the last touch, as Kafka ranks sessions. */
  cachedSize = 0;
  evictableByAll = false;
  evictableByPrivileged = false;

  constructor(
    readonly id: number,
    readonly privileged: boolean,
    readonly usesTopicIds: boolean,
    readonly creationMs: number,
  ) {
    this.lastUsedMs = creationMs;
  }

  key(topic: string, topicId: string, partition: number): string {
    return this.usesTopicIds ? `${topicId}:${partition}` : `${topic}\u0000${partition}`;
  }
}

export interface FetchSessionCacheOptions {
  slotsMax: number;
  now(): number;
  /** A random integer in [1, 2^31 - 1). */
  randomId(): number;
  evictionMs?: number;
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  /** Least recently used first (a touch moves a session to the end). */
  private readonly lastUsed = new Map<number, FetchSession>();
  private readonly evictionMs: number;
  /** Sessions evicted to make room (Kafka's IncrementalFetchSessionEvictionsPerSec counts these). */
  evictions = 0;

  constructor(private readonly options: FetchSessionCacheOptions) {
    this.evictionMs = options.evictionMs ?? FETCH_SESSION_EVICTION_MS;
  }

  /** Sessions held now (Kafka's NumIncrementalFetchSessions). */
  get size(): number {
    return this.sessions.size;
  }

  /** Partitions held in all sessions (Kafka's NumIncrementalFetchPartitionsCached). */
  get partitionsCached(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.partitions.size;
    return n;
  }

  /** The context of one Fetch request (Kafka's FetchManager.newContext). */
  open(req: FetchSessionRequest): FetchContextResult {
    const usesTopicIds = req.version >= TOPIC_IDS_VERSION;
    const full = req.sessionEpoch === INITIAL_EPOCH || req.sessionEpoch === FINAL_EPOCH;
    if (full) {
      if (req.sessionId !== NO_SESSION) this.remove(req.sessionId);
      if (req.sessionEpoch === FINAL_EPOCH) return sessionless(req.topics);
      return this.fullContext(req, usesTopicIds);
    }
    const session = this.sessions.get(req.sessionId);
    if (!session) return { errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
    if (session.epoch !== req.sessionEpoch) return { errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
    if (session.usesTopicIds !== usesTopicIds) return { errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR };
    update(session, req.topics, req.forgotten);
    if (session.partitions.size === 0) {
      this.remove(session.id);
      return sessionless(req.topics);
    }
    this.touch(session, this.options.now());
    session.epoch = nextEpoch(session.epoch);
    return incrementalContext(session);
  }

  private fullContext(req: FetchSessionRequest, usesTopicIds: boolean): FetchContext {
    const topics = req.topics;
    return {
      kind: 'full',
      topics,
      complete: (response) => {
        const id = this.maybeCreate(req.fromFollower, usesTopicIds, countPartitions(topics), (session) => {
          forEachAnswer(topics, response, (topic, p, answer) => {
            const cached = newCached(topic, p);
            noteAnswer(cached, answer);
            session.partitions.set(session.key(cached.topic, cached.topicId, p.partition), cached);
          });
        });
        return { ...response, errorCode: ErrorCode.NONE, sessionId: id };
      },
    };
  }

  /** Creates a session if a slot is free or can be freed; its id, or NO_SESSION. */
  private maybeCreate(
    privileged: boolean,
    usesTopicIds: boolean,
    size: number,
    fill: (session: FetchSession) => void,
  ): number {
    if (this.options.slotsMax <= 0) return NO_SESSION;
    const now = this.options.now();
    if (this.sessions.size >= this.options.slotsMax && !this.tryEvict(privileged, size, now))
      return NO_SESSION;
    const session = new FetchSession(this.newSessionId(), privileged, usesTopicIds, now);
    fill(session);
    this.sessions.set(session.id, session);
    this.touch(session, now);
    return session.id;
  }

  /** Frees a slot for a new session of `size` partitions; false when no session may give way. */
  private tryEvict(privileged: boolean, size: number, now: number): boolean {
    const oldest = this.lastUsed.values().next().value as FetchSession | undefined;
    if (!oldest) return false;
    if (now - oldest.lastUsedMs > this.evictionMs) {
      this.remove(oldest.id);
      this.evictions++;
      return true;
    }
    let weakest: FetchSession | null = null;
    for (const s of this.sessions.values()) {
      if (!(privileged ? s.evictableByPrivileged : s.evictableByAll)) continue;
      if (!weakest || compareValue(s.privileged, s.cachedSize, s.id, weakest) < 0) weakest = s;
    }
    if (!weakest || compareValue(privileged, size, 0, weakest) < 0) return false;
    this.remove(weakest.id);
    this.evictions++;
    return true;
  }

  private touch(session: FetchSession, now: number): void {
    this.lastUsed.delete(session.id);
    session.lastUsedMs = now;
    this.lastUsed.set(session.id, session);
    session.cachedSize = session.partitions.size;
    const aged = now - session.creationMs > this.evictionMs;
    session.evictableByPrivileged = !session.privileged || aged;
    session.evictableByAll = aged;
  }

  private remove(id: number): void {
    this.sessions.delete(id);
    this.lastUsed.delete(id);
  }

  private newSessionId(): number {
    for (;;) {
      const id = this.options.randomId();
      if (id !== NO_SESSION && !this.sessions.has(id)) return id;
    }
  }
}

/** Kafka's EvictableKey order: consumers' sessions before followers', then smaller, then lower id. */
function compareValue(privileged: boolean, size: number, id: number, other: FetchSession): number {
  if (privileged !== other.privileged) return privileged ? 1 : -1;
  if (size !== other.cachedSize) return size - other.cachedSize;
  return id - other.id;
}

function nextEpoch(epoch: number): number {
  return epoch === 0x7fffffff ? 1 : epoch + 1;
}

function sessionless(topics: readonly FetchRequestFetchTopic[]): FetchContext {
  return {
    kind: 'sessionless',
    topics,
    complete: (response) => ({ ...response, errorCode: ErrorCode.NONE, sessionId: NO_SESSION }),
  };
}

function countPartitions(topics: readonly FetchRequestFetchTopic[]): number {
  let n = 0;
  for (const t of topics) n += t.partitions.length;
  return n;
}

function newCached(topic: FetchRequestFetchTopic, p: FetchRequestFetchPartition): CachedPartition {
  return {
    topic: topic.topic ?? '',
    topicId: topic.topicId ?? ZERO_UUID,
    partition: p.partition,
    request: { ...p },
    highWatermark: -1,
    logStartOffset: -1,
  };
}

/** Calls `fn` with each requested partition and its answer (the response mirrors the request). */
function forEachAnswer(
  topics: readonly FetchRequestFetchTopic[],
  response: FetchResponse,
  fn: (
    topic: FetchRequestFetchTopic,
    p: FetchRequestFetchPartition,
    answer: FetchResponsePartitionData,
  ) => void,
): void {
  topics.forEach((topic, t) => {
    const answers = response.responses[t]?.partitions ?? [];
    topic.partitions.forEach((p, i) => {
      const answer = answers[i];
      if (answer) fn(topic, p, answer);
    });
  });
}

/**
 * Records what the client is told about a partition; true when the answer must be sent (Kafka's
 * CachedPartition.maybeUpdateResponseData): records, a new high watermark or log start offset, a
 * preferred read replica, an error (which also forgets the high watermark, so the partition is sent
 * again once the error is gone), a diverging epoch.
 */
function noteAnswer(cached: CachedPartition, answer: FetchResponsePartitionData): boolean {
  let send = recordBytes(answer) > 0;
  if (cached.highWatermark !== answer.highWatermark) {
    send = true;
    cached.highWatermark = answer.highWatermark;
  }
  if (cached.logStartOffset !== (answer.logStartOffset ?? -1)) {
    send = true;
    cached.logStartOffset = answer.logStartOffset ?? -1;
  }
  if ((answer.preferredReadReplica ?? -1) !== -1) send = true;
  if (answer.errorCode !== ErrorCode.NONE) {
    cached.highWatermark = -1;
    send = true;
  }
  if ((answer.divergingEpoch?.epoch ?? -1) !== -1 || (answer.divergingEpoch?.endOffset ?? -1) !== -1)
    send = true;
  return send;
}

function recordBytes(answer: FetchResponsePartitionData): number {
  const records = answer.records;
  if (!records) return 0;
  if (Buffer.isBuffer(records)) return records.length;
  let n = 0;
  for (const b of records) n += b.length;
  return n;
}

/** Adds or updates the partitions of an incremental request, then drops the forgotten ones. */
function update(
  session: FetchSession,
  topics: readonly FetchRequestFetchTopic[],
  forgotten: readonly FetchRequestForgottenTopic[],
): void {
  for (const topic of topics) {
    for (const p of topic.partitions) {
      const cached = newCached(topic, p);
      const key = session.key(cached.topic, cached.topicId, p.partition);
      const existing = session.partitions.get(key);
      if (existing) existing.request = cached.request;
      else session.partitions.set(key, cached);
    }
  }
  for (const f of forgotten) {
    for (const partition of f.partitions ?? [])
      session.partitions.delete(session.key(f.topic ?? '', f.topicId ?? ZERO_UUID, partition));
  }
}

/** An incremental fetch: reads every partition of the session, sends only those that changed. */
function incrementalContext(session: FetchSession): FetchContext {
  const cached = [...session.partitions.values()];
  const topics = groupByTopic(cached);
  return {
    kind: 'incremental',
    topics,
    complete: (response) => {
      const out: FetchResponse['responses'] = [];
      const moved: CachedPartition[] = [];
      let i = 0;
      for (const given of response.responses) {
        const kept = given.partitions.filter((answer) => {
          const c = cached[i++];
          if (!noteAnswer(c, answer)) return false;
          if (recordBytes(answer) > 0) moved.push(c);
          return true;
        });
        if (kept.length > 0) out.push({ ...given, partitions: kept });
      }
      // Partitions that returned records go to the back of the line, so the others are read first next time.
      for (const c of moved) {
        const key = session.key(c.topic, c.topicId, c.partition);
        if (session.partitions.get(key) !== c) continue;
        session.partitions.delete(key);
        session.partitions.set(key, c);
      }
      return { ...response, errorCode: ErrorCode.NONE, sessionId: session.id, responses: out };
    },
  };
}

/** The session's partitions as request topics, consecutive partitions of one topic together. */
function groupByTopic(cached: readonly CachedPartition[]): FetchRequestFetchTopic[] {
  const topics: FetchRequestFetchTopic[] = [];
  let last: FetchRequestFetchTopic | null = null;
  let lastKey = '';
  for (const c of cached) {
    const key = `${c.topicId}\u0000${c.topic}`;
    if (!last || key !== lastKey) {
      last = { topic: c.topic, topicId: c.topicId, partitions: [] };
      lastKey = key;
      topics.push(last);
    }
    last.partitions.push(c.request);
  }
  return topics;
}
