// DescribeCluster, versions 0-2. On a broker listener: the cluster id, a controller id and the live
// brokers (endpoint type 1); v2 may ask for the fenced brokers too, each marked (KIP-1073). On the
// controller listener (kafka-metadata-quorum.sh and the admin client with --bootstrap-controller,
// endpoint type 2): the controllers and the active one. Asking a listener for the other kind answers
// MISMATCHED_ENDPOINT_TYPE (controller listener) or UNSUPPORTED_ENDPOINT_TYPE (broker listener), as Kafka
// does. Authorized operations when asked: every cluster operation the requester may perform
// (security/authorized-operations.ts).
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeClusterRequest, DescribeClusterResponse } from '../../protocol/messages/index.js';
import { clusterAuthorizedOperations } from '../../security/authorized-operations.js';
import { CLUSTER_RESOURCE, canFor, ResourceType } from './authorize.js';
import { brokerEntries, NOT_REQUESTED } from './cluster-view.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

const ENDPOINT_TYPE_BROKER = 1;
const ENDPOINT_TYPE_CONTROLLER = 2;

export const describeCluster = handler<DescribeClusterRequest, DescribeClusterResponse, CommonServices>({
  apiKey: 60,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const s = ctx.services;
    const asked = req.endpointType ?? ENDPOINT_TYPE_BROKER;
    const base = {
      throttleTimeMs: 0,
      errorMessage: null,
      clusterId: s.clusterId,
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations
        ? clusterAuthorizedOperations(canFor(ctx, ResourceType.CLUSTER, CLUSTER_RESOURCE))
        : NOT_REQUESTED,
    };
    if (s.endpointType === 'controller') {
      if (asked !== ENDPOINT_TYPE_CONTROLLER)
        return {
          ...base,
          errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE,
          endpointType: asked,
          controllerId: -1,
          brokers: [],
        };
      return {
        ...base,
        errorCode: ErrorCode.NONE,
        endpointType: ENDPOINT_TYPE_CONTROLLER,
        controllerId: s.quorum.status().leaderId,
        brokers: s.quorum
          .controllerEndpoints()
          .map((c) => ({ brokerId: c.id, host: c.host, port: c.port, rack: null, isFenced: false })),
      };
    }
    if (asked !== ENDPOINT_TYPE_BROKER)
      return {
        ...base,
        errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        endpointType: asked,
        controllerId: -1,
        brokers: [],
      };
    const image = s.metadata();
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      endpointType: ENDPOINT_TYPE_BROKER,
      controllerId: s.nodeId,
      brokers: brokerEntries(ctx, image, ctx.version >= 2 && req.includeFencedBrokers === true).map((b) => ({
        brokerId: b.nodeId,
        host: b.host,
        port: b.port,
        rack: b.rack,
        isFenced: b.fenced,
      })),
    };
  },
});
