// Produce, versions 0-12 advertised (librdkafka only compresses when Produce v0 is in the range),
// 3-12 served: v0-2 carry the old message format, which Kafka 4 refuses too, so they close the
// connection. One v2 batch per partition, checked (size, magic, CRC-32C, record count, timestamps,
// max.message.bytes) and appended without decoding its records; idempotent producers' sequences are
// checked by the log. The first transactional batch of a producer's transaction on a partition is
// verified with its transaction coordinator first (KIP-890; v12, transactions V2, adds the partition
// to the transaction instead). acks=0 gets no answer (an error then closes the connection, as Kafka
// does, so the client refreshes its metadata); acks=1 is answered once the bytes are written on the
// leader, acks=-1 once the whole ISR has them (min.insync.replicas: NOT_ENOUGH_REPLICAS before the
// append, NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank meanwhile, REQUEST_TIMED_OUT after
// timeout_ms); a follower answers NOT_LEADER_OR_FOLLOWER. A topic whose compression.type is not
// `producer` stores the batch in its own codec (replica/recompress.ts). Authorization comes first,
// before any verification: WRITE on the transactional id of a transactional produce, WRITE on each
// topic (CVE-2018-17196: every path that writes is checked).
import { ErrorCode } from '../../protocol/errors.js';
import type {
  ProduceRequest,
  ProduceResponse,
  ProduceResponsePartitionProduceResponse,
} from '../../protocol/messages/index.js';
import { recordsBuffer } from '../../protocol/schema/declaration.js';
import type { ProduceOutcome } from '../replica/partition.js';
import { AclOperation, allowed, allowedNames, ResourceType } from './authorize.js';
import { CloseConnection, handler, Later, later, NO_RESPONSE, type RequestContext } from './handler.js';
import { type ProduceVerification, verifiedError, verifyProduce } from './txn-verify.js';

type PartitionResult = ProduceResponsePartitionProduceResponse;

export const produce = handler<ProduceRequest, ProduceResponse>({
  apiKey: 0,
  minVersion: 0,
  maxVersion: 12,
  handle(ctx, req) {
    if (ctx.version < 3)
      return new CloseConnection(`Produce v${ctx.version} (message format 0/1) is not supported`);
    const auth = authorizeProduce(ctx, req);
    const verifying = auth.txnDenied
      ? null
      : verifyProduce(ctx, { ...req, topicData: req.topicData.filter((t) => auth.writable.has(t.name)) });
    if (!verifying) return produceAll(ctx, req, null, auth);
    return later(
      verifying.then(async (v) => {
        const r = produceAll(ctx, req, v, auth);
        if (r instanceof CloseConnection) return NO_RESPONSE;
        const settled = r instanceof Later ? await r.promise : await r;
        return settled instanceof CloseConnection ? NO_RESPONSE : settled;
      }),
    );
  },
});

interface ProduceAuthorization {
  txnDenied: boolean;
  writable: ReadonlySet<string>;
}

function authorizeProduce(ctx: RequestContext, req: ProduceRequest): ProduceAuthorization {
  const txnDenied =
    req.transactionalId !== null &&
    req.transactionalId !== undefined &&
    !allowed(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId);
  const writable = allowedNames(
    ctx,
    AclOperation.WRITE,
    ResourceType.TOPIC,
    req.topicData.map((t) => t.name),
  );
  return { txnDenied, writable };
}

function produceAll(
  ctx: RequestContext,
  req: ProduceRequest,
  verification: ProduceVerification | null,
  auth: ProduceAuthorization,
):
  | ProduceResponse
  | typeof NO_RESPONSE
  | CloseConnection
  | Later<ProduceResponse>
  | Promise<typeof NO_RESPONSE | CloseConnection> {
  const nowMs = ctx.services.now();
  const acksValid = req.acks === 0 || req.acks === 1 || req.acks === -1;
  const pending: Promise<unknown>[] = [];
  let failed = false;
  const responses = req.topicData.map((t) => ({
    name: t.name,
    partitionResponses: t.partitionData.map((pd) => {
      const entry: PartitionResult = {
        index: pd.index,
        errorCode: 0,
        baseOffset: -1,
        logAppendTimeMs: -1,
        logStartOffset: -1,
        recordErrors: [],
        errorMessage: null,
      };
      const verified = verifiedError(ctx, verification, t.name, pd.index);
      const outcome = auth.txnDenied
        ? refusal(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, null)
        : !auth.writable.has(t.name)
          ? refusal(ErrorCode.TOPIC_AUTHORIZATION_FAILED, null)
          : !acksValid
            ? refusal(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, not ${req.acks}`)
            : verified !== ErrorCode.NONE
              ? refusal(verified, null)
              : appendOne(ctx, t.name, pd.index, pd.records, req.acks, nowMs, req.timeoutMs);
      if (outcome instanceof Promise) pending.push(outcome.then((o) => Object.assign(entry, o)));
      else {
        Object.assign(entry, outcome);
        if (outcome.errorCode !== 0) failed = true;
      }
      return entry;
    }),
  }));
  if (req.acks === 0) {
    if (failed) return new CloseConnection('error on an acks=0 produce');
    if (pending.length === 0) return NO_RESPONSE;
    // A plain promise (not `later`): the connection takes no further request until the writes settle.
    return Promise.all(pending).then(() =>
      responses.some((t) => t.partitionResponses.some((p) => p.errorCode !== ErrorCode.NONE))
        ? new CloseConnection('error on an acks=0 produce')
        : NO_RESPONSE,
    );
  }
  const response: ProduceResponse = { responses, throttleTimeMs: 0 };
  if (pending.length === 0) return response;
  return later(Promise.all(pending).then(() => response));
}

function refusal(errorCode: number, errorMessage: string | null): ProduceOutcome {
  return { errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, errorMessage };
}

function appendOne(
  ctx: RequestContext,
  topic: string,
  index: number,
  records: Parameters<typeof recordsBuffer>[0],
  acks: number,
  nowMs: number,
  timeoutMs: number,
): ProduceOutcome | Promise<ProduceOutcome> {
  const partition = ctx.services.replicas.leader(topic, index);
  if (!partition) {
    const known = ctx.services.metadata().topicsByName.get(topic)?.partitions[index];
    return refusal(known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
  }
  const bytes = recordsBuffer(records);
  if (!bytes || bytes.length === 0)
    return refusal(ErrorCode.CORRUPT_MESSAGE, 'The produce request carries no records for the partition.');
  return partition.append(bytes, acks, nowMs, timeoutMs);
}
