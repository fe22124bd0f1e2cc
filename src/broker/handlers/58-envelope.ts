// Envelope, version 0 (controller listener): a request a broker forwards for a client (KRaft's
// forwarding), handled here as if the client had sent it, its whole response returned in the envelope.
// The principal and client address are not used yet (no authorization).
import { ErrorCode } from '../../protocol/errors.js';
import type { EnvelopeRequest, EnvelopeResponse } from '../../protocol/messages/index.js';
import { handler } from './handler.js';
import type { ControllerServices } from './services.js';

export const envelope = handler<EnvelopeRequest, EnvelopeResponse, ControllerServices>({
  apiKey: 58,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const response = await ctx.inner(req.requestData);
    if (response === null) return { responseData: null, errorCode: ErrorCode.INVALID_REQUEST };
    return { responseData: response, errorCode: ErrorCode.NONE };
  },
});
