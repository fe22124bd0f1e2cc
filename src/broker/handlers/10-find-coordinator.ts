// FindCoordinator, versions 0-6 (one key up to v3, a batch of keys from v4). Groups (key type 0): the
// leader of the group's `__consumer_offsets` partition; transactions (key type 1): the leader of the
// transactional id's `__transaction_state` partition. On first use the topic is created (with the
// partition count and a replication factor clamped to the live brokers) and, as Kafka does, the
// request that started it is answered COORDINATOR_NOT_AVAILABLE at once, like every request until
// the topic is published (its logs made and its partitions loading: the group and transaction APIs
// then answer COORDINATOR_LOAD_IN_PROGRESS until they are loaded). Clients retry both silently. Not
// implemented: share groups (key type 2: INVALID_REQUEST, as a broker without a share coordinator).
import type { MetadataImage } from '../../metadata/image.js';
import { ErrorCode, errorInfo } from '../../protocol/errors.js';
import type { FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/messages/index.js';
import { OFFSETS_TOPIC } from '../coordinator/group/settings.js';
import { TRANSACTION_STATE_TOPIC } from '../coordinator/txn/settings.js';
import { AclOperation, allowed, ResourceType, requester } from './authorize.js';
import { createInBackground } from './auto-create.js';
import { brokerEntries } from './cluster-view.js';
import { handler, type RequestContext } from './handler.js';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

export const findCoordinator = handler<FindCoordinatorRequest, FindCoordinatorResponse>({
  apiKey: 10,
  minVersion: 0,
  maxVersion: 6,
  handle(ctx, req) {
    const keyType = req.keyType ?? KEY_TYPE_GROUP;
    const keys = ctx.version >= 4 ? (req.coordinatorKeys ?? []) : [req.key ?? ''];
    const topic =
      keyType === KEY_TYPE_GROUP
        ? OFFSETS_TOPIC
        : keyType === KEY_TYPE_TRANSACTION
          ? TRANSACTION_STATE_TOPIC
          : null;
    // Authorization before anything else, the creation of the coordinator's topic included.
    const permitted = keys.filter((key) => mayDescribe(ctx, keyType, key));
    if (topic && permitted.length > 0 && !ctx.services.metadata().topicsByName.has(topic)) {
      const live = [...ctx.services.metadata().brokers.values()].filter((b) => !b.fenced).length;
      const spec =
        topic === OFFSETS_TOPIC
          ? ctx.services.groups.offsetsTopicSpec(live)
          : ctx.services.txns.transactionTopicSpec(live);
      createInBackground(ctx.services, [spec]);
    }
    return respond(ctx, keyType, keys);
  },
});

function respond(ctx: RequestContext, keyType: number, keys: string[]): FindCoordinatorResponse {
  const image = ctx.services.metadata();
  const coordinators = keys.map((key) => ({ key, ...locate(ctx, image, keyType, key) }));
  if (ctx.version >= 4) return { throttleTimeMs: 0, coordinators };
  const c = coordinators[0];
  return {
    throttleTimeMs: 0,
    errorCode: c.errorCode,
    // Kafka puts the error's message here, "NONE" included.
    errorMessage: c.errorCode === ErrorCode.NONE ? 'NONE' : errorInfo(c.errorCode).message,
    nodeId: c.nodeId,
    host: c.host,
    port: c.port,
  };
}

interface Located {
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

/** DESCRIBE on the group or the transactional id the key names. */
function mayDescribe(ctx: RequestContext, keyType: number, key: string): boolean {
  if (keyType === KEY_TYPE_GROUP) return allowed(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, key);
  if (keyType === KEY_TYPE_TRANSACTION)
    return allowed(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key);
  return true;
}

function locate(ctx: RequestContext, image: MetadataImage, keyType: number, key: string): Located {
  const none = (errorCode: number) => ({ nodeId: -1, host: '', port: -1, errorCode, errorMessage: null });
  if (keyType !== KEY_TYPE_GROUP && keyType !== KEY_TYPE_TRANSACTION) return none(ErrorCode.INVALID_REQUEST);
  const txn = keyType === KEY_TYPE_TRANSACTION;
  if (
    ctx.services.access.enabled &&
    !ctx.services.access.authorize(
      requester(ctx),
      AclOperation.DESCRIBE,
      txn ? ResourceType.TRANSACTIONAL_ID : ResourceType.GROUP,
      key,
      false,
    )
  )
    return none(txn ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const topic = image.topicsByName.get(txn ? TRANSACTION_STATE_TOPIC : OFFSETS_TOPIC);
  const index = txn ? ctx.services.txns.partitionFor(key) : ctx.services.groups.partitionFor(key);
  const partition = topic?.partitions.find((p) => p.partition === index);
  const broker = partition && brokerEntries(ctx, image).find((b) => b.nodeId === partition.leader);
  if (!broker) return none(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  return {
    nodeId: broker.nodeId,
    host: broker.host,
    port: broker.port,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
  };
}
