// Envelope, version 0 (controller listener): a request a broker forwards for a client (KRaft's
// forwarding), handled here as if the client had sent it, its whole response returned in the envelope.
// The principal and client address are not used yet (no authorization). An answer that says
// NOT_CONTROLLER becomes the envelope's own error.
import { ErrorCode } from '../../protocol/errors.js';
import type { EnvelopeRequest, EnvelopeResponse } from '../../protocol/messages/index.js';
import { handler } from './handler.js';
import type { ControllerServices } from './services.js';

export const envelope = handler<EnvelopeRequest, EnvelopeResponse, ControllerServices>({
  apiKey: 58,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const answer = await ctx.inner(req.requestData);
    if (answer === null) return { responseData: null, errorCode: ErrorCode.INVALID_REQUEST };
    // As Kafka's RequestChannel: an inner NOT_CONTROLLER goes in the envelope, so the forwarding broker
    // finds the active controller and sends again rather than handing the client the error.
    if (answer.notController) return { responseData: null, errorCode: ErrorCode.NOT_CONTROLLER };
    return { responseData: answer.frame, errorCode: ErrorCode.NONE };
  },
});
