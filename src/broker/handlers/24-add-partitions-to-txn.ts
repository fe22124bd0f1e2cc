// AddPartitionsToTxn, versions 0-5. v0-3 come from producers: the partitions join the transaction (it
// starts if none is open), one error for all of them; partitions of unknown topics fail with
// UNKNOWN_TOPIC_OR_PARTITION and the others then with OPERATION_NOT_ATTEMPTED, as Kafka answers. v4+
// come from partition leaders (KIP-890): a batch of transactions, each either verified (verify_only:
// is every partition in the ongoing transaction?) or added (a transactions-V2 producer's first write
// to a partition). Before v2, PRODUCER_FENCED is given as INVALID_PRODUCER_EPOCH.
import { ErrorCode } from '../../protocol/errors.js';
import type {
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnRequestAddPartitionsToTxnTopic,
  AddPartitionsToTxnResponse,
  AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult,
} from '../../protocol/messages/index.js';
import { tpKey } from '../coordinator/txn/markers.js';
import { AclOperation, allowed, allowedNames, allowedOnCluster, ResourceType } from './authorize.js';
import { handler, type RequestContext } from './handler.js';

type Topic = AddPartitionsToTxnRequestAddPartitionsToTxnTopic;
type TopicResult = AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult;

export const addPartitionsToTxn = handler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>({
  apiKey: 24,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    if (ctx.version < 4) {
      const topics = req.v3AndBelowTopics ?? [];
      // A producer needs WRITE on its transactional id and on each topic; until every topic is
      // permitted nothing is added (the others answer OPERATION_NOT_ATTEMPTED, as in Kafka).
      const txnId = req.v3AndBelowTransactionalId ?? '';
      if (!allowed(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, txnId))
        return {
          throttleTimeMs: 0,
          resultsByTopicV3AndBelow: uniform(topics, () => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED),
        };
      const writable = allowedNames(
        ctx,
        AclOperation.WRITE,
        ResourceType.TOPIC,
        topics.map((t) => t.name),
      );
      if (topics.some((t) => !writable.has(t.name)))
        return {
          throttleTimeMs: 0,
          resultsByTopicV3AndBelow: uniform(topics, (topic) =>
            writable.has(topic) ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
          ),
        };
      const results = await addForClient(
        ctx,
        req.v3AndBelowTransactionalId ?? '',
        req.v3AndBelowProducerId ?? -1,
        req.v3AndBelowProducerEpoch ?? -1,
        topics,
      );
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow: results };
    }
    // v4+: brokers verifying transactional writes for each other (KIP-890): CLUSTER_ACTION.
    if (!allowedOnCluster(ctx, AclOperation.CLUSTER_ACTION))
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        resultsByTransaction: [],
      };
    const resultsByTransaction = await Promise.all(
      (req.transactions ?? []).map(async (t) => ({
        transactionalId: t.transactionalId ?? '',
        topicResults: await forBroker(ctx, t),
      })),
    );
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction };
  },
});

function uniform(topics: Topic[], errorOf: (topic: string, partition: number) => number): TopicResult[] {
  return topics.map((t) => ({
    name: t.name,
    resultsByPartition: t.partitions.map((p) => ({
      partitionIndex: p,
      partitionErrorCode: errorOf(t.name, p),
    })),
  }));
}

async function addForClient(
  ctx: RequestContext,
  transactionalId: string,
  producerId: number,
  producerEpoch: number,
  topics: Topic[],
): Promise<TopicResult[]> {
  const image = ctx.services.metadata();
  const unknown = (topic: string, p: number) => !image.topicsByName.get(topic)?.partitions[p];
  if (topics.some((t) => t.partitions.some((p) => unknown(t.name, p)))) {
    return uniform(topics, (topic, p) =>
      unknown(topic, p) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED,
    );
  }
  let errorCode = await ctx.services.txns.addPartitions({
    transactionalId,
    producerId,
    producerEpoch,
    partitions: topics.map((t) => ({ topic: t.name, partitions: t.partitions })),
  });
  if (ctx.version < 2 && errorCode === ErrorCode.PRODUCER_FENCED)
    errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
  return uniform(topics, () => errorCode);
}

async function forBroker(
  ctx: RequestContext,
  t: NonNullable<AddPartitionsToTxnRequest['transactions']>[number],
): Promise<TopicResult[]> {
  const topics = t.topics ?? [];
  const req = {
    transactionalId: t.transactionalId ?? '',
    producerId: t.producerId ?? -1,
    producerEpoch: t.producerEpoch ?? -1,
    partitions: topics.map((x) => ({ topic: x.name, partitions: x.partitions })),
  };
  if (t.verifyOnly) {
    const errors = await ctx.services.txns.verifyPartitions(req);
    return uniform(topics, (topic, p) => errors.get(tpKey(topic, p)) ?? ErrorCode.UNKNOWN_SERVER_ERROR);
  }
  const errorCode = await ctx.services.txns.addPartitions(req);
  return uniform(topics, () => errorCode);
}
