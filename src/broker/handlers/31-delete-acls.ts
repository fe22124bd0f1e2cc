// DeleteAcls, versions 0-3: removes every ACL each filter selects (RemoveAccessControlEntryRecord) and
// lists them. Needs ALTER on the cluster (CLUSTER_AUTHORIZATION_FAILED per filter); a filter with an
// UNKNOWN field is INVALID_REQUEST. Without an authorizer: SECURITY_DISABLED.
import { deleteAcls } from '../../metadata/security-control.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { DeleteAclsRequest, DeleteAclsResponse } from '../../protocol/messages/index.js';
import { filterOf, NO_AUTHORIZER, wireAcl } from './acl-wire.js';
import { AclOperation, allowedOnCluster } from './authorize.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

export const deleteAclsHandler = handler<DeleteAclsRequest, DeleteAclsResponse, CommonServices>({
  apiKey: 31,
  minVersion: 0,
  maxVersion: 3,
  forwardable: true,
  handle(ctx, req) {
    const all = (errorCode: number, errorMessage: string | null): DeleteAclsResponse => ({
      throttleTimeMs: 0,
      filterResults: req.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
    });
    if (!allowedOnCluster(ctx, AclOperation.ALTER)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    if (!ctx.services.access.enabled) return all(ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER);
    const filters = req.filters.map((f) => filterOf(f, ctx.version));
    return ctx.services.controller
      .apply(
        (image) => {
          const { records, results } = deleteAcls(image, filters);
          return { records, result: results };
        },
        () => filters.map(() => ({ errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null, matching: [] })),
      )
      .then((results) => ({
        throttleTimeMs: 0,
        filterResults: results.map((r) => ({
          errorCode: r.errorCode,
          errorMessage: r.errorMessage,
          matchingAcls: r.matching.map((acl) => ({ errorCode: 0, errorMessage: null, ...wireAcl(acl) })),
        })),
      }));
  },
});
