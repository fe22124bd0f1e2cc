// DescribeGroups, versions 0-5. An unknown group is described as Dead without error, as Kafka does;
// member metadata is shown only for a Stable group. v3 may ask for the authorized operations: with no
// authorizer every group operation is allowed (READ, DELETE, DESCRIBE).
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/messages/index.js';
import { handler, later } from './handler.js';
import { AclOperation, allowedNames, authorizedOperations, ResourceType } from './authorize.js';

const NOT_REQUESTED = -2147483648;
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

export const describeGroups = handler<DescribeGroupsRequest, DescribeGroupsResponse>({
  apiKey: 15,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const withOperations = ctx.version >= 3 && req.includeAuthorizedOperations === true;
    const permitted = allowedNames(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, req.groups);
    const result = ctx.services.groups.describeGroups(req.groups.filter((g) => permitted.has(g)));
    return later(
      result.then((described) => {
        const byId = new Map(described.map((g) => [g.groupId, g]));
        return {
          throttleTimeMs: 0,
          groups: req.groups.map((id) => {
            const g = byId.get(id);
            if (!permitted.has(id) || !g) return deniedGroup(id);
            return {
              ...g,
              authorizedOperations:
                withOperations && g.errorCode === ErrorCode.NONE
                  ? ctx.services.access.enabled
                    ? authorizedOperations(ctx, ResourceType.GROUP, id)
                    : GROUP_OPERATIONS
                  : NOT_REQUESTED,
            };
          }),
        };
      }),
    );
  },
});

function deniedGroup(groupId: string) {
  return {
    errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
    groupId,
    groupState: '',
    protocolType: '',
    protocolData: '',
    members: [],
    authorizedOperations: NOT_REQUESTED,
  };
}
