// DescribeGroups, versions 0-5. An unknown group is described as Dead without error, as Kafka does;
// member metadata is shown only for a Stable group. v3 may ask for the authorized operations: with no
// authorizer every group operation is allowed (security/authorized-operations.ts).
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/messages/index.js';
import { authorizedOperations, OPERATIONS_NOT_REQUESTED } from '../../security/authorized-operations.js';
import { handler, later } from './handler.js';

export const describeGroups = handler<DescribeGroupsRequest, DescribeGroupsResponse>({
  apiKey: 15,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const withOperations = ctx.version >= 3 && req.includeAuthorizedOperations === true;
    const result = ctx.services.groups.describeGroups(req.groups);
    return later(
      result.then((groups) => ({
        throttleTimeMs: 0,
        groups: groups.map((g) => ({
          ...g,
          authorizedOperations:
            withOperations && g.errorCode === ErrorCode.NONE
              ? authorizedOperations('group')
              : OPERATIONS_NOT_REQUESTED,
        })),
      })),
    );
  },
});
