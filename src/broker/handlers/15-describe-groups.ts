// DescribeGroups, versions 0-5. An unknown group is described as Dead without error, as Kafka does;
// member metadata is shown only for a Stable group. v3 may ask for the authorized operations: with no
// authorizer every group operation is allowed (READ, DELETE, DESCRIBE).
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/messages/index.js';
import { handler, later } from './handler.js';

const NOT_REQUESTED = -2147483648;
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

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
            withOperations && g.errorCode === ErrorCode.NONE ? GROUP_OPERATIONS : NOT_REQUESTED,
        })),
      })),
    );
  },
});
