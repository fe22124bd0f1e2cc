// BrokerRegistration, versions 0-4 (controller listener): a broker joins and gets its broker epoch.
// Checks as KRaft's ClusterControlManager: the cluster id (INCONSISTENT_CLUSTER_ID), another live
// incarnation with the same id (DUPLICATE_BROKER_REGISTRATION), metadata.version support
// (UNSUPPORTED_VERSION). A controller that is not active answers NOT_CONTROLLER.
import { ErrorCode } from '../../protocol/errors.js';
import type { BrokerRegistrationRequest, BrokerRegistrationResponse } from '../../protocol/messages/index.js';
import { NotController } from '../controller/quorum-controller.js';
import { AclOperation, clusterDenied } from './authorize.js';
import { handler } from './handler.js';
import type { ControllerServices } from './services.js';

export const brokerRegistration = handler<
  BrokerRegistrationRequest,
  BrokerRegistrationResponse,
  ControllerServices
>({
  apiKey: 62,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    const denied = clusterDenied<BrokerRegistrationResponse>(ctx, AclOperation.CLUSTER_ACTION, req);
    if (denied) return denied;
    const r = await ctx.services.quorumController.registerBroker({
      brokerId: req.brokerId,
      clusterId: req.clusterId,
      incarnationId: req.incarnationId,
      listeners: req.listeners,
      features: req.features,
      rack: req.rack,
      logDirs: req.logDirs ?? [],
    });
    if (r instanceof NotController)
      return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, brokerEpoch: -1 };
    return { throttleTimeMs: 0, errorCode: r.errorCode, brokerEpoch: r.brokerEpoch };
  },
});
