// DescribeClientQuotas, versions 0-1: the quotas stored for the user and client-id entities a filter
// selects (EXACT name, DEFAULT entity, any SPECIFIED name; `strict` wants exactly the filter's entity
// types). Needs DESCRIBE_CONFIGS on the cluster (CLUSTER_AUTHORIZATION_FAILED).
import { describeClientQuotas } from '../../metadata/security-control.js';
import { ErrorCode } from '../../protocol/errors.js';
import type {
  DescribeClientQuotasRequest,
  DescribeClientQuotasResponse,
} from '../../protocol/messages/index.js';
import type { QuotaEntity } from '../../security/quotas.js';
import { AclOperation, allowedOnCluster } from './authorize.js';
import { handler } from './handler.js';

export const describeClientQuotasHandler = handler<DescribeClientQuotasRequest, DescribeClientQuotasResponse>(
  {
    apiKey: 48,
    minVersion: 0,
    maxVersion: 1,
    handle(ctx, req) {
      const error = (errorCode: number, errorMessage: string | null): DescribeClientQuotasResponse => ({
        throttleTimeMs: 0,
        errorCode,
        errorMessage,
        entries: null,
      });
      if (!allowedOnCluster(ctx, AclOperation.DESCRIBE_CONFIGS))
        return error(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
      const found = describeClientQuotas(ctx.services.metadata(), req.components, req.strict);
      if (typeof found === 'string') return error(ErrorCode.INVALID_REQUEST, found);
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        entries: found.map((q) => ({
          entity: entityData(q.entity),
          values: [...q.values].map(([key, value]) => ({ key, value })),
        })),
      };
    },
  },
);

export function entityData(e: QuotaEntity): { entityType: string; entityName: string | null }[] {
  const out: { entityType: string; entityName: string | null }[] = [];
  if ('user' in e) out.push({ entityType: 'user', entityName: e.user ?? null });
  if ('clientId' in e) out.push({ entityType: 'client-id', entityName: e.clientId ?? null });
  return out;
}
