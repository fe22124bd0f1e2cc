// DescribeAcls, versions 0-3: the ACLs a filter selects, grouped by resource pattern. Needs DESCRIBE on
// the cluster (CLUSTER_AUTHORIZATION_FAILED). v0 knows only LITERAL patterns, so prefixed ACLs are not
// shown to it; v2 is flexible. Without an authorizer: SECURITY_DISABLED. A filter with an UNKNOWN
// field is INVALID_REQUEST.
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeAclsRequest, DescribeAclsResponse } from '../../protocol/messages/index.js';
import { filterMatches, filterProblem } from '../../security/acl/authorizer.js';
import { PatternType } from '../../security/acl/types.js';
import { filterOf, NO_AUTHORIZER } from './acl-wire.js';
import { AclOperation, allowedOnCluster } from './authorize.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

export const describeAcls = handler<DescribeAclsRequest, DescribeAclsResponse, CommonServices>({
  apiKey: 29,
  minVersion: 0,
  maxVersion: 3,
  handle(ctx, req) {
    const error = (errorCode: number, errorMessage: string | null): DescribeAclsResponse => ({
      throttleTimeMs: 0,
      errorCode,
      errorMessage,
      resources: [],
    });
    if (!allowedOnCluster(ctx, AclOperation.DESCRIBE))
      return error(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    if (!ctx.services.access.enabled) return error(ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER);
    const filter = filterOf(req, ctx.version);
    const problem = filterProblem(filter);
    if (problem) return error(ErrorCode.INVALID_REQUEST, problem);
    const byResource = new Map<string, DescribeAclsResponse['resources'][number]>();
    for (const acl of ctx.services.metadata().security.acls.values()) {
      if (!filterMatches(filter, acl)) continue;
      if (ctx.version === 0 && acl.patternType !== PatternType.LITERAL) continue;
      const key = `${acl.resourceType}\u0000${acl.patternType}\u0000${acl.resourceName}`;
      let entry = byResource.get(key);
      if (!entry) {
        entry = {
          resourceType: acl.resourceType,
          resourceName: acl.resourceName,
          patternType: acl.patternType,
          acls: [],
        };
        byResource.set(key, entry);
      }
      entry.acls.push({
        principal: acl.principal,
        host: acl.host,
        operation: acl.operation,
        permissionType: acl.permission,
      });
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      resources: [...byResource.values()],
    };
  },
});
