// BrokerHeartbeat, versions 0-1 (controller listener): keeps a broker's session alive and moves it
// between fenced, unfenced, controlled shutdown and shut down, as KRaft's BrokerHeartbeatManager does.
// Offline log dirs (v1) are accepted and not acted on.
import { ErrorCode } from '../../protocol/errors.js';
import type { BrokerHeartbeatRequest, BrokerHeartbeatResponse } from '../../protocol/messages/index.js';
import { NotController } from '../controller/quorum-controller.js';
import { AclOperation, clusterDenied } from './authorize.js';
import { handler } from './handler.js';
import type { ControllerServices } from './services.js';

export const brokerHeartbeat = handler<BrokerHeartbeatRequest, BrokerHeartbeatResponse, ControllerServices>({
  apiKey: 63,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req) {
    const denied = clusterDenied<BrokerHeartbeatResponse>(ctx, AclOperation.CLUSTER_ACTION, req);
    if (denied) return denied;
    const r = await ctx.services.quorumController.brokerHeartbeat({
      brokerId: req.brokerId,
      brokerEpoch: req.brokerEpoch,
      currentMetadataOffset: req.currentMetadataOffset,
      wantFence: req.wantFence,
      wantShutDown: req.wantShutDown,
    });
    const none = { throttleTimeMs: 0, isCaughtUp: false, isFenced: true, shouldShutDown: false };
    if (r instanceof NotController) return { ...none, errorCode: ErrorCode.NOT_CONTROLLER };
    if (r.errorCode !== ErrorCode.NONE) return { ...none, errorCode: r.errorCode };
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      isCaughtUp: r.isCaughtUp,
      isFenced: r.isFenced,
      shouldShutDown: r.shouldShutDown,
    };
  },
});
