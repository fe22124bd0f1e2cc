// CreateAcls, versions 0-3: stores ACLs in the metadata log (AccessControlEntryRecord). Needs ALTER on
// the cluster (CLUSTER_AUTHORIZATION_FAILED for each creation). An invalid binding (unknown type or
// operation, empty name, a CLUSTER resource other than kafka-cluster, a principal without a type) is
// INVALID_REQUEST; an ACL that exists already is accepted once. v0 creates LITERAL patterns only.
import { createAcls } from '../../metadata/security-control.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { CreateAclsRequest, CreateAclsResponse } from '../../protocol/messages/index.js';
import type { AclBinding } from '../../security/acl/types.js';
import { PatternType } from '../../security/acl/types.js';
import { randomTopicId } from '../controller/quorum-controller.js';
import { NO_AUTHORIZER } from './acl-wire.js';
import { AclOperation, allowedOnCluster } from './authorize.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

export const createAclsHandler = handler<CreateAclsRequest, CreateAclsResponse, CommonServices>({
  apiKey: 30,
  minVersion: 0,
  maxVersion: 3,
  forwardable: true,
  handle(ctx, req) {
    const all = (errorCode: number, errorMessage: string | null): CreateAclsResponse => ({
      throttleTimeMs: 0,
      results: req.creations.map(() => ({ errorCode, errorMessage })),
    });
    if (!allowedOnCluster(ctx, AclOperation.ALTER)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    if (!ctx.services.access.enabled) return all(ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER);
    const bindings: AclBinding[] = req.creations.map((c) => ({
      resourceType: c.resourceType as AclBinding['resourceType'],
      resourceName: c.resourceName,
      patternType: (ctx.version === 0
        ? PatternType.LITERAL
        : (c.resourcePatternType ?? PatternType.LITERAL)) as AclBinding['patternType'],
      principal: c.principal,
      host: c.host,
      operation: c.operation as AclBinding['operation'],
      permission: c.permissionType as AclBinding['permission'],
    }));
    return ctx.services.controller
      .apply(
        (image) => {
          const { records, results } = createAcls(image, bindings, randomTopicId);
          return { records, result: results };
        },
        () => bindings.map(() => ({ errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null })),
      )
      .then((results) => ({ throttleTimeMs: 0, results }));
  },
});
