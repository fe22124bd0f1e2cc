// The transaction parts of the composition root (node.ts) that cross nodes: the coordinator's COMMIT/
// ABORT markers to partitions led by other brokers (WriteTxnMarkers v1, as Kafka's marker channel
// sends them), and a partition leader's verification of a transactional write with the coordinator of
// its transactional id on another broker (AddPartitionsToTxn v4+ with verifyOnly, v5 adding the
// partitions for transactions V2), both over the inter-broker links the replica fetchers use.
import { ErrorCode } from '../protocol/errors.js';
import type {
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponse,
  WriteTxnMarkersRequest,
  WriteTxnMarkersResponse,
} from '../protocol/messages/index.js';
import type { MarkerChannel, MarkerResult, WritableMarker } from './coordinator/txn/markers.js';
import type { RemoteTxnVerifier } from './coordinator/txn/verifier.js';
import type { BrokerLinks } from './replica/links.js';
import { tpKey } from './replica/txn-verification.js';

const API_ADD_PARTITIONS_TO_TXN = 24;
const API_WRITE_TXN_MARKERS = 27;

/** WriteTxnMarkers to the node leading the marker's partitions; each partition's error code. */
export function remoteMarkers(links: BrokerLinks, timeoutMs: number): MarkerChannel {
  return {
    async writeMarkers(nodeId: number, marker: WritableMarker): Promise<MarkerResult> {
      const request: WriteTxnMarkersRequest = {
        markers: [
          {
            producerId: marker.producerId,
            producerEpoch: marker.producerEpoch,
            transactionResult: marker.commit,
            coordinatorEpoch: marker.coordinatorEpoch,
            topics: marker.topics.map((t) => ({ name: t.topic, partitionIndexes: t.partitions })),
          },
        ],
      };
      const r = await links.send<WriteTxnMarkersRequest, WriteTxnMarkersResponse>(
        nodeId,
        API_WRITE_TXN_MARKERS,
        1,
        request,
        timeoutMs,
      );
      const out: MarkerResult = new Map();
      // Unreachable: every partition is tried again after the marker manager's backoff.
      for (const t of marker.topics)
        for (const p of t.partitions) out.set(tpKey(t.topic, p), ErrorCode.NETWORK_EXCEPTION);
      if (r.kind !== 'ok') return out;
      for (const m of r.response.markers)
        for (const t of m.topics)
          for (const p of t.partitions) out.set(tpKey(t.name, p.partitionIndex), p.errorCode);
      return out;
    },
  };
}

/**
 * Asks the coordinator of the transactional id on node `node` whether the partitions are in the
 * producer's transaction, or adds them (`add`).
 */
export function remoteTxnVerifier(links: BrokerLinks, timeoutMs: number): RemoteTxnVerifier {
  return async (node, req) => {
    const failed = (code: number) => {
      const out = new Map<string, number>();
      for (const t of req.partitions) for (const p of t.partitions) out.set(tpKey(t.topic, p), code);
      return out;
    };
    const request: AddPartitionsToTxnRequest = {
      transactions: [
        {
          transactionalId: req.transactionalId,
          producerId: req.producerId,
          producerEpoch: req.producerEpoch,
          verifyOnly: !req.add,
          topics: req.partitions.map((t) => ({ name: t.topic, partitions: t.partitions })),
        },
      ],
    };
    const r = await links.send<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>(
      node,
      API_ADD_PARTITIONS_TO_TXN,
      req.add ? 5 : 4,
      request,
      timeoutMs,
    );
    if (r.kind !== 'ok') return failed(ErrorCode.NETWORK_EXCEPTION);
    if (r.response.errorCode) return failed(r.response.errorCode);
    const out = failed(ErrorCode.UNKNOWN_SERVER_ERROR);
    for (const result of r.response.resultsByTransaction ?? [])
      for (const t of result.topicResults ?? [])
        for (const p of t.resultsByPartition) out.set(tpKey(t.name, p.partitionIndex), p.partitionErrorCode);
    return out;
  };
}
