// CreatePartitions, versions 0-3: raises a topic's partition count, with optional manual assignments;
// `validate_only` checks without changing anything.
import { ErrorCode } from '../../protocol/errors.js';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/messages/index.js';
import { AclOperation, allowedNames, ResourceType } from './authorize.js';
import { handler } from './handler.js';
import { mutationCharge } from './mutation-quota.js';
import type { CommonServices } from './services.js';

export const createPartitions = handler<CreatePartitionsRequest, CreatePartitionsResponse, CommonServices>({
  apiKey: 37,
  minVersion: 0,
  forwardable: true,
  maxVersion: 3,
  async handle(ctx, req) {
    const alterable = allowedNames(
      ctx,
      AclOperation.ALTER,
      ResourceType.TOPIC,
      req.topics.map((t) => t.name),
    );
    const done = await ctx.services.controller.createPartitions(
      req.topics.filter((t) => alterable.has(t.name)),
      req.validateOnly,
      { charge: mutationCharge(ctx) },
    );
    const results = req.topics.map((t) =>
      alterable.has(t.name)
        ? (done.shift() as (typeof done)[number])
        : { name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null },
    );
    return { throttleTimeMs: 0, results };
  },
});
