// ControllerRegistration, version 0 (controller listener): a controller tells the active controller its
// endpoints (RegisterControllerRecord), so tools reaching the quorum through --bootstrap-controller and
// brokers know where each controller listens.

import { record } from '../../metadata/records.js';
import { ErrorCode } from '../../protocol/errors.js';
import type {
  ControllerRegistrationRequest,
  ControllerRegistrationResponse,
} from '../../protocol/messages/index.js';
import { AclOperation, clusterDenied } from './authorize.js';
import { handler } from './handler.js';
import type { ControllerServices } from './services.js';

export const controllerRegistration = handler<
  ControllerRegistrationRequest,
  ControllerRegistrationResponse,
  ControllerServices
>({
  apiKey: 70,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const denied = clusterDenied<ControllerRegistrationResponse>(ctx, AclOperation.CLUSTER_ACTION, req);
    if (denied) return denied;
    const r = await ctx.services.quorumController.apply((image) => {
      const known = image.controllers.get(req.controllerId);
      const same =
        known?.incarnationId === req.incarnationId &&
        JSON.stringify(known.endpoints) === JSON.stringify(req.listeners.map((l) => ({ ...l })));
      return {
        records: same
          ? []
          : [
              record('RegisterController', {
                controllerId: req.controllerId,
                incarnationId: req.incarnationId,
                zkMigrationReady: false,
                endPoints: req.listeners.map((l) => ({ ...l })),
                features: req.features.map((f) => ({ ...f })),
              }),
            ],
        result: null,
      };
    });
    const errorCode = r === null ? ErrorCode.NONE : ErrorCode.NOT_CONTROLLER;
    return { throttleTimeMs: 0, errorCode, errorMessage: null };
  },
});
