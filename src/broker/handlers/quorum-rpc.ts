// The Raft requests between controllers (and brokers fetching the metadata log as observers): each is
// handed to the Raft transport, which gives it to the core and resolves with the core's answer. Their
// handlers on the controller listener are all this thin.
import { AclOperation, clusterDenied } from './authorize.js';
import { CloseConnection, type Handler } from './handler.js';
import type { ControllerServices } from './services.js';

export function quorumRpc(
  apiKey: number,
  minVersion: number,
  maxVersion: number,
): Handler<unknown, unknown, ControllerServices> {
  return {
    apiKey,
    minVersion,
    maxVersion,
    handle(ctx, request) {
      // The quorum's requests come from controllers and brokers: CLUSTER_ACTION, as Kafka.
      const denied = clusterDenied(ctx, AclOperation.CLUSTER_ACTION, request);
      if (denied) return denied;
      // As Kafka, one request of a connection at a time: a parked fetch holds the ones behind it.
      return ctx.services.raft
        .handle(apiKey, request)
        .then((response) =>
          response === null
            ? new CloseConnection('quorum request not accepted (malformed, or the node is stopping)')
            : response,
        );
    },
  };
}
