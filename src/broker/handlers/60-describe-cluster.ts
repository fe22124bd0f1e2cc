// DescribeCluster, versions 0-1: the cluster id, the controller and the live brokers, as admin
// clients show them. Endpoint type (v1) is always "brokers"; authorized operations are not computed.
import type { DescribeClusterRequest, DescribeClusterResponse } from '../../protocol/messages/index.js';
import { brokerEntries, NOT_REQUESTED } from './cluster-view.js';
import { handler } from './handler.js';
import { clusterOperations } from './authorize.js';

const ENDPOINT_TYPE_BROKER = 1;

export const describeCluster = handler<DescribeClusterRequest, DescribeClusterResponse>({
  apiKey: 60,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const image = ctx.services.metadata();
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      endpointType: ENDPOINT_TYPE_BROKER,
      clusterId: ctx.services.clusterId,
      controllerId: ctx.services.nodeId,
      brokers: brokerEntries(ctx, image).map((b) => ({
        brokerId: b.nodeId,
        host: b.host,
        port: b.port,
        rack: b.rack,
      })),
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations
        ? clusterOperations(ctx)
        : NOT_REQUESTED,
    };
  },
});
