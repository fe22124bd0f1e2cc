// CreateTopics, versions 0-7. Partition count and replication factor default to the broker's
// (-1, v4+); manual assignments; configs validated as Kafka does (INVALID_CONFIG); `validate_only`
// checks without creating. v5+ answers carry the topic's effective configs; v7 the topic id.
import { ErrorCode } from '../../protocol/errors.js';
import type { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/messages/index.js';
import { AclOperation, allowed, allowedNames, allowedOnCluster, ResourceType } from './authorize.js';
import { handler, type RequestContext } from './handler.js';
import { mutationCharge } from './mutation-quota.js';
import type { CommonServices, ConfigEntry } from './services.js';

export const createTopics = handler<CreateTopicsRequest, CreateTopicsResponse, CommonServices>({
  apiKey: 19,
  minVersion: 0,
  forwardable: true,
  maxVersion: 7,
  async handle(ctx, req) {
    // CREATE on the cluster, else CREATE on each topic; the rest never reaches the controller.
    const onCluster = allowedOnCluster(ctx, AclOperation.CREATE, false);
    const creatable = onCluster
      ? null
      : allowedNames(
          ctx,
          AclOperation.CREATE,
          ResourceType.TOPIC,
          req.topics.map((t) => t.name),
        );
    const permitted = creatable ? req.topics.filter((t) => creatable.has(t.name)) : req.topics;
    const created = await ctx.services.controller.createTopics(permitted, req.validateOnly === true, {
      charge: mutationCharge(ctx),
    });
    const results = creatable
      ? req.topics.map((t) =>
          creatable.has(t.name) ? (created.shift() as (typeof created)[number]) : deniedTopic(t.name),
        )
      : created;
    return {
      throttleTimeMs: 0,
      topics: results.map((r) => ({
        name: r.name,
        topicId: r.topicId || undefined,
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        ...createdConfigs(ctx, r.name, r.errorCode),
        numPartitions: r.numPartitions,
        replicationFactor: r.replicationFactor,
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

function deniedTopic(name: string) {
  return {
    name,
    topicId: '',
    errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    errorMessage: 'Authorization failed.',
    numPartitions: -1,
    replicationFactor: -1,
  };
}

/** The new topic's configs (v5+), shown only to a principal that may DESCRIBE_CONFIGS it. */
function createdConfigs(ctx: RequestContext<CommonServices>, name: string, errorCode: number) {
  if (errorCode !== 0 || ctx.version < 5) return { topicConfigErrorCode: 0, configs: [] };
  if (!allowed(ctx, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, name, false))
    return { topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, configs: [] };
  return {
    topicConfigErrorCode: 0,
    configs: topicConfigs(ctx.services.configs.describeTopic(name, null, false, false)),
  };
}
