// AlterClientQuotas, versions 0-1: sets and removes quotas of user and client-id entities (null name =
// the <default> entity) as ClientQuotaRecords. Needs ALTER_CONFIGS on the cluster
// (CLUSTER_AUTHORIZATION_FAILED per entry). Unknown keys, a key twice, a non-positive value or a
// fractional byte rate are INVALID_REQUEST. validateOnly checks without storing.
import { alterClientQuotas } from '../../metadata/security-control.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../../protocol/messages/index.js';
import { AclOperation, allowedOnCluster } from './authorize.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

export const alterClientQuotasHandler = handler<
  AlterClientQuotasRequest,
  AlterClientQuotasResponse,
  CommonServices
>({
  apiKey: 49,
  minVersion: 0,
  maxVersion: 1,
  forwardable: true,
  handle(ctx, req) {
    const entity = (e: AlterClientQuotasRequest['entries'][number]) =>
      e.entity.map((x) => ({ entityType: x.entityType, entityName: x.entityName }));
    if (!allowedOnCluster(ctx, AclOperation.ALTER_CONFIGS))
      return {
        throttleTimeMs: 0,
        entries: req.entries.map((e) => ({
          errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
          errorMessage: null,
          entity: entity(e),
        })),
      };
    return ctx.services.controller
      .apply(
        (image) => {
          const { records, results } = alterClientQuotas(image, req.entries);
          return { records: req.validateOnly ? [] : records, result: results };
        },
        () => req.entries.map(() => ({ errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null })),
      )
      .then((results) => ({
        throttleTimeMs: 0,
        entries: results.map((r, i) => ({ ...r, entity: entity(req.entries[i]) })),
      }));
  },
});
