// CreateTopics, versions 0-7. Partition count and replication factor default to the broker's
// (-1, v4+); manual assignments; configs validated as Kafka does (INVALID_CONFIG); `validate_only`
// checks without creating. v5+ answers carry the topic's effective configs; v7 the topic id.
import type { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/messages/index.js';
import { handler } from './handler.js';
import type { CommonServices, ConfigEntry } from './services.js';

export const createTopics = handler<CreateTopicsRequest, CreateTopicsResponse, CommonServices>({
  apiKey: 19,
  minVersion: 0,
  forwardable: true,
  maxVersion: 7,
  async handle(ctx, req) {
    const results = await ctx.services.controller.createTopics(req.topics, req.validateOnly === true);
    return {
      throttleTimeMs: 0,
      topics: results.map((r) => ({
        name: r.name,
        topicId: r.topicId || undefined,
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        topicConfigErrorCode: 0,
        numPartitions: r.numPartitions,
        replicationFactor: r.replicationFactor,
        configs:
          r.errorCode === 0 && ctx.version >= 5
            ? topicConfigs(ctx.services.configs.describeTopic(r.name, null, false, false))
            : [],
      })),
    };
  },
});

function topicConfigs(entries: readonly ConfigEntry[]) {
  return entries.map((e) => ({
    name: e.name,
    value: e.value,
    readOnly: e.readOnly,
    configSource: e.configSource,
    isSensitive: e.isSensitive,
  }));
}
