// ListGroups, versions 0-5: the groups this node coordinates; v4 filters by state (case-insensitive)
// and answers each group's state, v5 filters by type and answers it (every group here is "classic").
import type { ListGroupsRequest, ListGroupsResponse } from '../../protocol/messages/index.js';
import { AclOperation, allowedNames, allowedOnCluster, ResourceType } from './authorize.js';
import { handler, later } from './handler.js';

export const listGroups = handler<ListGroupsRequest, ListGroupsResponse>({
  apiKey: 16,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const result = ctx.services.groups.listGroups(req.statesFilter ?? [], req.typesFilter ?? []);
    // DESCRIBE on the cluster lists every group; otherwise only groups the principal may DESCRIBE.
    const all = allowedOnCluster(ctx, AclOperation.DESCRIBE, false);
    return later(
      result.then((r) => {
        const visible = all
          ? r.groups
          : (() => {
              const ok = allowedNames(
                ctx,
                AclOperation.DESCRIBE,
                ResourceType.GROUP,
                r.groups.map((g) => g.groupId),
                false,
              );
              return r.groups.filter((g) => ok.has(g.groupId));
            })();
        return { throttleTimeMs: 0, errorCode: r.errorCode, groups: visible };
      }),
    );
  },
});
