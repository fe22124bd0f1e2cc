// AlterConfigs, versions 0-2 (the legacy API): the given configs replace every override of a TOPIC
// or BROKER resource; `validate_only` checks without changing anything.
import type { AlterConfigsRequest, AlterConfigsResponse } from '../../protocol/messages/index.js';
import { AclOperation, configResourceDenied } from './authorize.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

export const alterConfigs = handler<AlterConfigsRequest, AlterConfigsResponse, CommonServices>({
  apiKey: 33,
  minVersion: 0,
  forwardable: true,
  maxVersion: 2,
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
      const outcome = await ctx.services.configs.alter(
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
