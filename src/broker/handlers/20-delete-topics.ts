// DeleteTopics, versions 0-6: by name, and from v6 by topic id (UNKNOWN_TOPIC_ID when unknown).
// TOPIC_DELETION_DISABLED when delete.topic.enable is off.
import { ErrorCode } from '../../protocol/errors.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/messages/index.js';
import { ZERO_UUID } from '../../protocol/schema/codec.js';
import { AclOperation, allowed, allowedNames, ResourceType } from './authorize.js';
import { handler } from './handler.js';
import { mutationCharge } from './mutation-quota.js';
import type { CommonServices } from './services.js';

export const deleteTopics = handler<DeleteTopicsRequest, DeleteTopicsResponse, CommonServices>({
  apiKey: 20,
  minVersion: 0,
  forwardable: true,
  maxVersion: 6,
  async handle(ctx, req) {
    const refs =
      ctx.version >= 6
        ? (req.topics ?? []).map((t) => ({
            name: t.name ?? null,
            topicId: t.topicId && t.topicId !== ZERO_UUID ? t.topicId : null,
          }))
        : (req.topicNames ?? []).map((name) => ({ name, topicId: null }));
    // DELETE on each topic; a topic id the principal may not even DESCRIBE stays unknown to it.
    const image = ctx.services.metadata();
    const nameOf = (r: { name: string | null; topicId: string | null }) =>
      r.name ?? (r.topicId ? (image.topicsById.get(r.topicId)?.name ?? null) : null);
    const names = refs.map(nameOf).filter((n): n is string => n !== null);
    const deletable = allowedNames(ctx, AclOperation.DELETE, ResourceType.TOPIC, names);
    const denial = (r: { name: string | null; topicId: string | null }) => {
      const name = nameOf(r);
      if (name === null || deletable.has(name)) return null;
      if (r.name === null && !allowed(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, name, false))
        return {
          name: null,
          topicId: r.topicId ?? '',
          errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
          errorMessage: null,
        };
      return {
        name: r.name,
        topicId: r.topicId ?? '',
        errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        errorMessage: null,
      };
    };
    const deleted = await ctx.services.controller.deleteTopics(
      refs.filter((r) => denial(r) === null),
      { charge: mutationCharge(ctx) },
    );
    const results = refs.map((r) => denial(r) ?? (deleted.shift() as (typeof deleted)[number]));
    return {
      throttleTimeMs: 0,
      responses: results.map((r) => ({
        name: r.name,
        topicId: r.topicId || ZERO_UUID,
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
      })),
    };
  },
});
