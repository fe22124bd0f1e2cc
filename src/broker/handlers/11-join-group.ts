// JoinGroup, versions 0-9. v0 has no rebalance timeout (the session timeout is used); from v4 a new
// dynamic member is first answered MEMBER_ID_REQUIRED with its id; v5 adds static membership; the
// protocol name is "" rather than null before v7; v9 tells a rejoining static leader to skip the
// assignment. The answer waits for the rest of the group (the connection goes on meanwhile).
import { ErrorCode } from '../../protocol/errors.js';
import type { JoinGroupRequest, JoinGroupResponse } from '../../protocol/messages/index.js';
import type { JoinResult } from '../coordinator/group/classic-group.js';
import { AclOperation, allowed, ResourceType } from './authorize.js';
import { handler, later } from './handler.js';

export const joinGroup = handler<JoinGroupRequest, JoinGroupResponse>({
  apiKey: 11,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req) {
    if (!allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId))
      return response(DENIED_JOIN, ctx.version);
    const result = ctx.services.groups.joinGroup({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId ?? null,
      protocolType: req.protocolType,
      protocols: req.protocols,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs:
        ctx.version === 0 ? req.sessionTimeoutMs : (req.rebalanceTimeoutMs ?? req.sessionTimeoutMs),
      clientId: ctx.header.clientId ?? '',
      clientHost: clientHost(ctx.conn.info.remoteAddress),
      apiVersion: ctx.version,
    });
    return later(result.then((r) => response(r, ctx.version)));
  },
});

function response(r: JoinResult, version: number): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    generationId: r.generationId,
    protocolType: r.protocolType,
    protocolName: version < 7 ? (r.protocolName ?? '') : r.protocolName || null,
    leader: r.leader,
    skipAssignment: r.skipAssignment,
    memberId: r.memberId,
    members: r.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadata,
    })),
  };
}

/** The client's address as Kafka shows it (Java's InetAddress text: "/127.0.0.1"). */
export function clientHost(remoteAddress: string): string {
  return `/${remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress}`;
}

const DENIED_JOIN = {
  errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
  generationId: -1,
  protocolType: null,
  protocolName: null,
  leader: '',
  skipAssignment: false,
  memberId: '',
  members: [],
} as unknown as JoinResult;
