// CreatePartitions, versions 0-3: raises a topic's partition count, with optional manual assignments;
// `validate_only` checks without changing anything.
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/messages/index.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

export const createPartitions = handler<CreatePartitionsRequest, CreatePartitionsResponse, CommonServices>({
  apiKey: 37,
  minVersion: 0,
  forwardable: true,
  maxVersion: 3,
  async handle(ctx, req) {
    const results = await ctx.services.controller.createPartitions(req.topics, req.validateOnly);
    return { throttleTimeMs: 0, results };
  },
});
