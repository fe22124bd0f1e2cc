// UnregisterBroker, version 0 (kafka-cluster.sh unregister): removes a broker's registration, taking it
// out of every ISR. Brokers forward it to the active controller.
import { ErrorCode } from '../../protocol/errors.js';
import type { UnregisterBrokerRequest, UnregisterBrokerResponse } from '../../protocol/messages/index.js';
import { NotController } from '../controller/quorum-controller.js';
import { AclOperation, clusterDenied } from './authorize.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

export const unregisterBroker = handler<UnregisterBrokerRequest, UnregisterBrokerResponse, CommonServices>({
  apiKey: 64,
  minVersion: 0,
  maxVersion: 0,
  forwardable: true,
  async handle(ctx, req) {
    const denied = clusterDenied<UnregisterBrokerResponse>(ctx, AclOperation.ALTER, req);
    if (denied) return denied;
    const quorum = ctx.services.controller.quorum;
    const r = quorum
      ? await quorum.unregisterBroker(req.brokerId)
      : new NotController(-1, 'no controller here');
    if (r instanceof NotController)
      return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null };
    return { throttleTimeMs: 0, errorCode: r.errorCode, errorMessage: r.errorMessage };
  },
});
