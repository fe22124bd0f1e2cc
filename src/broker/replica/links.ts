// How the replica layer reaches other nodes: a request to a broker (the replica fetcher asks the
// leader for data) or to the active controller (AlterPartition). The composition root supplies these,
// backed by the inter-broker connections; in-process tests back them with other nodes' registries.
// A failure to get an answer (no connection, timeout, no controller known) is a value, never a throw.

/** `frame`: the response's bytes when they came in a pooled buffer, to release once done with them. */
export type LinkResult<Res> =
  | { kind: 'ok'; response: Res; frame?: Buffer }
  | { kind: 'failed'; reason: string };

/** Requests to other brokers, on the inter-broker listener. */
export interface BrokerLinks {
  send<Req, Res>(
    brokerId: number,
    apiKey: number,
    version: number,
    request: Req,
    timeoutMs: number,
  ): Promise<LinkResult<Res>>;
  /** Closes the connections (at shutdown). */
  close?(): void;
}

/** Requests to the active controller, wherever it is now. */
export interface ControllerLink {
  send<Req, Res>(apiKey: number, version: number, request: Req, timeoutMs: number): Promise<LinkResult<Res>>;
}
