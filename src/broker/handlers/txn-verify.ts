// Verification of transactional writes with the transaction coordinator (KIP-890), as the Produce and
// TxnOffsetCommit handlers need it: which partitions must be verified, the one call per request to the
// coordinator, and the guards checked right before the writes (replica/txn-verification.ts).
import { ErrorCode } from '../../protocol/errors.js';
import type { ProduceRequest } from '../../protocol/messages/index.js';
import {
  ATTR_TRANSACTIONAL,
  BATCH_OFFSET_ATTRIBUTES,
  BATCH_OFFSET_PRODUCER_EPOCH,
  readInt64,
} from '../../protocol/records/batch.js';
import { recordsBuffer } from '../../protocol/schema/declaration.js';
import { OFFSETS_TOPIC } from '../coordinator/group/settings.js';
import { produceVerificationError, tpKey } from '../replica/txn-verification.js';
import type { RequestContext } from './handler.js';

/** What verification decided for a Produce request: errors, and the guards of verified partitions. */
export interface ProduceVerification {
  errors: Map<string, number>;
  guards: Map<string, { partitionKey: string; producerId: number; guard: object }>;
}

/**
 * Verifies the transactional batches of a Produce request whose producer has no transaction open on
 * their partition yet. Null when nothing needs verifying (no transactional batch, or all continue a
 * transaction the partition already knows).
 */
export function verifyProduce(ctx: RequestContext, req: ProduceRequest): Promise<ProduceVerification> | null {
  const verification = ctx.services.txnVerification;
  const transactionalId = req.transactionalId;
  // Transactions V2 (Produce v12) adds partitions this way, whatever verification is set to.
  if (!transactionalId || (!verification.isEnabled && ctx.version < 12)) return null;
  const wanted = new Map<string, number[]>();
  const guards: ProduceVerification['guards'] = new Map();
  let producer: { producerId: number; producerEpoch: number } | null = null;
  for (const t of req.topicData) {
    for (const pd of t.partitionData) {
      const bytes = recordsBuffer(pd.records);
      if (
        !bytes ||
        bytes.length < 61 ||
        (bytes.readInt16BE(BATCH_OFFSET_ATTRIBUTES) & ATTR_TRANSACTIONAL) === 0
      )
        continue;
      const p = ctx.services.replicas.get(t.name, pd.index);
      if (!p) continue; // answered by the append
      const producerId = readInt64(bytes, 43);
      const producerEpoch = bytes.readInt16BE(BATCH_OFFSET_PRODUCER_EPOCH);
      producer ??= { producerId, producerEpoch };
      if (!verification.needsVerification(p, producerId, producerEpoch)) continue;
      guards.set(tpKey(t.name, pd.index), {
        partitionKey: p.key,
        producerId,
        guard: verification.begin(p.key, producerId),
      });
      wanted.set(t.name, [...(wanted.get(t.name) ?? []), pd.index]);
    }
  }
  if (!producer || wanted.size === 0) return null;
  const version = ctx.version;
  return verification.verifier
    .verify({
      transactionalId,
      producerId: producer.producerId,
      producerEpoch: producer.producerEpoch,
      partitions: [...wanted].map(([topic, partitions]) => ({ topic, partitions })),
      add: version >= 12,
    })
    .catch(() => unreachable([...guards.keys()]))
    .then((answers) => {
      const errors = new Map<string, number>();
      for (const [key, code] of answers) {
        if (code === ErrorCode.NONE) continue;
        errors.set(key, produceVerificationError(code, version));
        // No append follows: the guard goes now.
        const g = guards.get(key);
        if (g) verification.take(g.partitionKey, g.producerId, g.guard);
      }
      return { errors, guards };
    });
}

/** The verification outcome of one partition right before its append: NONE to go ahead. */
export function verifiedError(
  ctx: RequestContext,
  v: ProduceVerification | null,
  topic: string,
  index: number,
): number {
  if (!v) return ErrorCode.NONE;
  const key = tpKey(topic, index);
  const error = v.errors.get(key);
  if (error !== undefined) return error;
  const g = v.guards.get(key);
  if (!g) return ErrorCode.NONE;
  // A marker of this producer came in between: the transaction it verified against has ended.
  return ctx.services.txnVerification.take(g.partitionKey, g.producerId, g.guard)
    ? ErrorCode.NONE
    : ErrorCode.INVALID_TXN_STATE;
}

/**
 * Verifies a TxnOffsetCommit with the transaction coordinator: the group's `__consumer_offsets`
 * partition must be in the transaction (v5, transactions V2: is added to it). Returns the guard to take
 * right before the write, or the error to answer with.
 */
export async function verifyOffsetCommit(
  ctx: RequestContext,
  req: { transactionalId: string; groupId: string; producerId: number; producerEpoch: number },
): Promise<{ errorCode: number; take: () => boolean }> {
  const verification = ctx.services.txnVerification;
  if (!verification.isEnabled && ctx.version < 5) return { errorCode: ErrorCode.NONE, take: () => true };
  const partition = ctx.services.groups.partitionFor(req.groupId);
  const key = `${OFFSETS_TOPIC}-${partition}`;
  const guard = verification.begin(key, req.producerId);
  const answers = await verification.verifier
    .verify({
      transactionalId: req.transactionalId,
      producerId: req.producerId,
      producerEpoch: req.producerEpoch,
      partitions: [{ topic: OFFSETS_TOPIC, partitions: [partition] }],
      add: ctx.version >= 5,
    })
    .catch(() => unreachable([tpKey(OFFSETS_TOPIC, partition)]));
  const code = answers.get(tpKey(OFFSETS_TOPIC, partition)) ?? ErrorCode.UNKNOWN_SERVER_ERROR;
  const take = () => verification.take(key, req.producerId, guard);
  if (code !== ErrorCode.NONE) take();
  return { errorCode: offsetVerificationError(code, ctx.version), take };
}

/** Kafka's translation of a verification answer into a TxnOffsetCommit error. */
function offsetVerificationError(code: number, version: number): number {
  switch (code) {
    case ErrorCode.PRODUCER_FENCED:
      return ErrorCode.INVALID_PRODUCER_EPOCH;
    case ErrorCode.TRANSACTION_ABORTABLE:
      return version < 4 ? ErrorCode.INVALID_TXN_STATE : code;
    case ErrorCode.NETWORK_EXCEPTION:
      return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    default:
      return code;
  }
}

/** The answer when the coordinator could not be asked (a remote one unreachable): retriable. */
function unreachable(keys: readonly string[]): Map<string, number> {
  return new Map(keys.map((k) => [k, ErrorCode.NETWORK_EXCEPTION]));
}
