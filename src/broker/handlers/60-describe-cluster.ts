// DescribeCluster, versions 0-2: the cluster id, the controller and the live brokers, as admin
// clients show them; v2 may ask for the fenced brokers too, each marked (KIP-1073). Endpoint type
// (v1) is always "brokers". Authorized operations when asked: every
// cluster operation the requester may perform (security/authorized-operations.ts).
import type { DescribeClusterRequest, DescribeClusterResponse } from '../../protocol/messages/index.js';
import { clusterAuthorizedOperations } from '../../security/authorized-operations.js';
import { CLUSTER_RESOURCE, canFor, ResourceType } from './authorize.js';
import { brokerEntries, NOT_REQUESTED } from './cluster-view.js';
import { handler } from './handler.js';

const ENDPOINT_TYPE_BROKER = 1;

export const describeCluster = handler<DescribeClusterRequest, DescribeClusterResponse>({
  apiKey: 60,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const image = ctx.services.metadata();
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      endpointType: ENDPOINT_TYPE_BROKER,
      clusterId: ctx.services.clusterId,
      controllerId: ctx.services.nodeId,
      brokers: brokerEntries(ctx, image, ctx.version >= 2 && req.includeFencedBrokers === true).map((b) => ({
        brokerId: b.nodeId,
        host: b.host,
        port: b.port,
        rack: b.rack,
        isFenced: b.fenced,
      })),
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations
        ? clusterAuthorizedOperations(canFor(ctx, ResourceType.CLUSTER, CLUSTER_RESOURCE))
        : NOT_REQUESTED,
    };
  },
});
