// Envelope, version 0 (controller listener): a request a broker forwards for a client (KRaft's
// forwarding), handled here as if the client had sent it, its whole response returned in the envelope.
// As in Kafka, the envelope itself needs CLUSTER_ACTION on the cluster (the forwarding broker's
// principal; CLUSTER_AUTHORIZATION_FAILED otherwise) and the request inside is authorized as the
// client's principal and address the envelope carries (an undecodable one: PRINCIPAL_DESERIALIZATION_
// FAILURE). An answer that says NOT_CONTROLLER becomes the envelope's own error.
import { ErrorCode } from '../../protocol/errors.js';
import type { EnvelopeRequest, EnvelopeResponse } from '../../protocol/messages/index.js';
import { addressText, deserializePrincipal } from '../controller/forwarding.js';
import { AclOperation, allowedOnCluster } from './authorize.js';
import { handler } from './handler.js';
import type { ControllerServices } from './services.js';

export const envelope = handler<EnvelopeRequest, EnvelopeResponse, ControllerServices>({
  apiKey: 58,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    if (!allowedOnCluster(ctx, AclOperation.CLUSTER_ACTION))
      return { responseData: null, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED };
    const principal = req.requestPrincipal ? deserializePrincipal(req.requestPrincipal) : null;
    if (!principal) return { responseData: null, errorCode: ErrorCode.PRINCIPAL_DESERIALIZATION_FAILURE };
    const host = addressText(req.clientHostAddress);
    if (host === null) return { responseData: null, errorCode: ErrorCode.INVALID_REQUEST };
    const answer = await ctx.inner(req.requestData, { principal, host });
    if (answer === null) return { responseData: null, errorCode: ErrorCode.INVALID_REQUEST };
    // As Kafka's RequestChannel: an inner NOT_CONTROLLER goes in the envelope, so the forwarding broker
    // finds the active controller and sends again rather than handing the client the error.
    if (answer.notController) return { responseData: null, errorCode: ErrorCode.NOT_CONTROLLER };
    return { responseData: answer.frame, errorCode: ErrorCode.NONE };
  },
});
