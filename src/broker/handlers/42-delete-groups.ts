// DeleteGroups, versions 0-2: Empty groups are deleted with their offsets (tombstones); groups with
// members answer NON_EMPTY_GROUP, unknown ones GROUP_ID_NOT_FOUND. Repeated names are answered once.
import { ErrorCode } from '../../protocol/errors.js';
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/messages/index.js';
import { AclOperation, allowedNames, ResourceType } from './authorize.js';
import { handler, later } from './handler.js';

export const deleteGroups = handler<DeleteGroupsRequest, DeleteGroupsResponse>({
  apiKey: 42,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const deletable = allowedNames(ctx, AclOperation.DELETE, ResourceType.GROUP, req.groupsNames);
    const result = ctx.services.groups.deleteGroups(req.groupsNames.filter((g) => deletable.has(g)));
    const denied = [...new Set(req.groupsNames.filter((g) => !deletable.has(g)))].map((groupId) => ({
      groupId,
      errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
    }));
    return later(result.then((results) => ({ throttleTimeMs: 0, results: [...results, ...denied] })));
  },
});
