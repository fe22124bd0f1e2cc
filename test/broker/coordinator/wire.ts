// An in-process broker node and a minimal Kafka wire client for handler tests: requests are encoded
// and responses decoded with the protocol layer's declarations, by version.
import { connect, type Socket } from 'node:net';
import { Logger } from '../../../src/broker/logger.js';
import { BrokerNode } from '../../../src/broker/node.js';
import { DEVELOPER_DEFAULTS, loadBrokerConfig } from '../../../src/config/index.js';
import { decodeResponseFrame, encodeRequestFrame } from '../../../src/protocol/frame.js';

/** An in-process node, all in memory, with Kafka's group settings but a 0 ms initial rebalance delay. */
export async function startNode(overrides: Record<string, string> = {}): Promise<BrokerNode> {
  const loaded = loadBrokerConfig({
    base: { ...DEVELOPER_DEFAULTS, listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': '/samsa-groups-memory' },
    overrides: { 'group.initial.rebalance.delay.ms': '0', ...overrides },
    env: {},
  });
  if (!loaded.ok) throw new Error(loaded.error);
  return BrokerNode.start({
    config: loaded.config,
    clusterId: 'groups-test-cluster-000',
    storage: 'memory',
    log: Logger.silent(),
  });
}

export class WireClient {
  private correlationId = 0;
  private buffered = Buffer.alloc(0);
  private readonly waiting = new Map<
    number,
    { apiKey: number; version: number; resolve: (b: unknown) => void }
  >();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => this.onData(chunk));
  }

  static connect(port: number): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new WireClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends a request and resolves with the decoded response body. */
  request<T = Record<string, unknown>>(
    apiKey: number,
    version: number,
    body: unknown,
    clientId = 'wire-test',
  ): Promise<T> {
    const id = ++this.correlationId;
    const frame = encodeRequestFrame(apiKey, version, id, clientId, body);
    return new Promise<T>((resolve) => {
      this.waiting.set(id, { apiKey, version, resolve: resolve as (b: unknown) => void });
      for (const c of frame) this.socket.write(c);
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const id = frame.readInt32BE(0);
      const w = this.waiting.get(id);
      if (!w) throw new Error(`unexpected correlation id ${id}`);
      this.waiting.delete(id);
      w.resolve(decodeResponseFrame(w.apiKey, w.version, frame).body);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
