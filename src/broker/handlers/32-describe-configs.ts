// DescribeConfigs, versions 0-4, for TOPIC (2) and BROKER (4) resources: values with their source,
// read-only and sensitive flags (sensitive values are null), synonyms (v1+) and documentation (v3+),
// filtered by the requested keys. Not implemented: BROKER_LOGGER (8) and other resource types
// (INVALID_REQUEST).
import { ResourceType } from '../../metadata/image.js';
import { ErrorCode } from '../../protocol/errors.js';
import type {
  DescribeConfigsRequest,
  DescribeConfigsResponse,
  DescribeConfigsResponseDescribeConfigsResult,
} from '../../protocol/messages/index.js';
import { AclOperation, configResourceDenied } from './authorize.js';
import { handler, type RequestContext } from './handler.js';
import type { CommonServices, ConfigEntry } from './services.js';

export const describeConfigs = handler<DescribeConfigsRequest, DescribeConfigsResponse, CommonServices>({
  apiKey: 32,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const synonyms = req.includeSynonyms === true;
    const docs = req.includeDocumentation === true;
    return {
      throttleTimeMs: 0,
      results: req.resources.map((r) => {
        const denied = configResourceDenied(
          ctx,
          AclOperation.DESCRIBE_CONFIGS,
          r.resourceType,
          r.resourceName,
        );
        if (denied !== null)
          return {
            resourceType: r.resourceType,
            resourceName: r.resourceName,
            errorCode: denied,
            errorMessage: null,
            configs: [],
          };
        return describeOne(ctx, r.resourceType, r.resourceName, r.configurationKeys, synonyms, docs);
      }),
    };
  },
});

function describeOne(
  ctx: RequestContext<CommonServices>,
  resourceType: number,
  resourceName: string,
  keys: string[] | null,
  synonyms: boolean,
  docs: boolean,
): DescribeConfigsResponseDescribeConfigsResult {
  const base = { resourceType, resourceName };
  const configs = ctx.services.configs;
  if (resourceType === ResourceType.Topic) {
    if (!ctx.services.metadata().topicsByName.has(resourceName)) {
      return {
        ...base,
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: `Topic ${resourceName} does not exist.`,
        configs: [],
      };
    }
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      configs: configs.describeTopic(resourceName, keys, synonyms, docs).map(toWire),
    };
  }
  if (resourceType === ResourceType.Broker) {
    const r = configs.describeBrokerResource(resourceName, keys, synonyms, docs);
    if (!r.ok) return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: r.error, configs: [] };
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs: r.entries.map(toWire) };
  }
  return {
    ...base,
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: `Unsupported resource type ${resourceType}`,
    configs: [],
  };
}

function toWire(e: ConfigEntry) {
  return { ...e, synonyms: e.synonyms };
}
