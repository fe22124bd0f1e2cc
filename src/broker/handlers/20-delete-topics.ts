// DeleteTopics, versions 0-6: by name, and from v6 by topic id (UNKNOWN_TOPIC_ID when unknown).
// TOPIC_DELETION_DISABLED when delete.topic.enable is off.
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/messages/index.js';
import { ZERO_UUID } from '../../protocol/schema/codec.js';
import { handler } from './handler.js';
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
    const results = await ctx.services.controller.deleteTopics(refs);
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
