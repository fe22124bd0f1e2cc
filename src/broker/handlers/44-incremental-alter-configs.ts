// IncrementalAlterConfigs, versions 0-1: SET, DELETE, APPEND and SUBTRACT on the configs of a TOPIC
// or BROKER resource (cluster default with an empty name); `validate_only` checks without changing.
import type {
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
} from '../../protocol/messages/index.js';
import { AclOperation, configResourceDenied } from './authorize.js';
import { handler } from './handler.js';

export const incrementalAlterConfigs = handler<
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse
>({
  apiKey: 44,
  minVersion: 0,
  forwardable: true,
  maxVersion: 1,
  async handle(ctx, req) {
    const responses = [];
    for (const r of req.resources) {
      const denied = configResourceDenied(ctx, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName);
      if (denied !== null) {
        responses.push({
          errorCode: denied,
          errorMessage: null,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
        });
        continue;
      }
      const outcome = await ctx.services.configs.incrementalAlter(
        r.resourceType,
        r.resourceName,
        r.configs,
        req.validateOnly,
      );
      responses.push({ ...outcome, resourceType: r.resourceType, resourceName: r.resourceName });
    }
    return { throttleTimeMs: 0, responses };
  },
});
