// AllocateProducerIds, version 0 (controller listener): a block of 1000 producer ids for a broker's
// idempotent producers (ProducerIdsRecord), checked against the broker's epoch.
import { ErrorCode } from '../../protocol/errors.js';
import type {
  AllocateProducerIdsRequest,
  AllocateProducerIdsResponse,
} from '../../protocol/messages/index.js';
import { NotController } from '../controller/quorum-controller.js';
import { PRODUCER_ID_BLOCK_SIZE } from '../producer-ids.js';
import { AclOperation, clusterDenied } from './authorize.js';
import { handler } from './handler.js';
import type { ControllerServices } from './services.js';

export const allocateProducerIds = handler<
  AllocateProducerIdsRequest,
  AllocateProducerIdsResponse,
  ControllerServices
>({
  apiKey: 67,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const denied = clusterDenied<AllocateProducerIdsResponse>(ctx, AclOperation.CLUSTER_ACTION, req);
    if (denied) return denied;
    const none = { throttleTimeMs: 0, producerIdStart: -1, producerIdLen: 0 };
    const broker = ctx.services.metadata().brokers.get(req.brokerId);
    if (!broker || broker.epoch !== req.brokerEpoch)
      return { ...none, errorCode: ErrorCode.STALE_BROKER_EPOCH };
    const r = await ctx.services.quorumController.allocateProducerIds(
      req.brokerId,
      req.brokerEpoch,
      PRODUCER_ID_BLOCK_SIZE,
    );
    if (r instanceof NotController) return { ...none, errorCode: ErrorCode.NOT_CONTROLLER };
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      producerIdStart: r,
      producerIdLen: PRODUCER_ID_BLOCK_SIZE,
    };
  },
});
