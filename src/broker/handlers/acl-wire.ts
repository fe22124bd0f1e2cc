// ACLs between their wire form (CreateAcls, DescribeAcls, DeleteAcls) and the authorizer's types.
// Version 0 of those APIs has no pattern type: it means LITERAL.
import type { AclBinding, AclFilter } from '../../security/acl/types.js';
import { PatternType } from '../../security/acl/types.js';

export interface WireFilter {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter?: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

export function filterOf(f: WireFilter, version: number): AclFilter {
  return {
    resourceType: f.resourceTypeFilter as AclFilter['resourceType'],
    resourceName: f.resourceNameFilter,
    patternType: (version === 0
      ? PatternType.LITERAL
      : (f.patternTypeFilter ?? PatternType.LITERAL)) as AclFilter['patternType'],
    principal: f.principalFilter,
    host: f.hostFilter,
    operation: f.operation as AclFilter['operation'],
    permission: f.permissionType as AclFilter['permission'],
  };
}

/** A binding as DescribeAcls and DeleteAcls return it. */
export function wireAcl(acl: AclBinding) {
  return {
    resourceType: acl.resourceType,
    resourceName: acl.resourceName,
    patternType: acl.patternType,
    principal: acl.principal,
    host: acl.host,
    operation: acl.operation,
    permissionType: acl.permission,
  };
}

/** Without an authorizer Kafka answers the ACL APIs with SECURITY_DISABLED and this message. */
export const NO_AUTHORIZER = 'No Authorizer is configured on the broker';
