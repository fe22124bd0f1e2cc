// A fault-injecting TCP proxy for client tests: it sits between a client and a broker, reads the
// request frames, and per request decides to forward it, answer it itself with an error (the
// broker never sees it), swallow it (the client times out), or forward it and then drop, delay or
// duplicate the broker's response. Responses leave in request order, as a broker sends them.
import { connect, createServer, type Server, type Socket } from 'node:net';
import {
  decodeRequest,
  decodeResponseFrame,
  encodeResponseFrame,
  FrameCutter,
  type MetadataResponse,
  type ProduceRequest,
  type ProduceResponse,
} from '../../src/protocol/index.js';

export type Fault =
  | { kind: 'pass' }
  | { kind: 'error'; errorCode: number }
  | { kind: 'swallow' }
  | { kind: 'drop-response' }
  | { kind: 'duplicate-response' }
  | { kind: 'delay-response'; ms: number };

export interface RequestInfo {
  apiKey: number;
  version: number;
  correlationId: number;
  /** Produce only: the partitions it writes to, as `topic-partition`. */
  partitions?: string[];
}

interface Slot {
  info: RequestInfo;
  fault: Fault;
  response: Buffer[] | null;
  done: boolean;
}

export interface FaultProxy {
  port: number;
  bootstrap: string;
  counts: Record<string, number>;
  close(): Promise<void>;
}

/** Only Produce can be answered with an error by the proxy itself. */
function errorResponse(frame: Buffer, info: RequestInfo, errorCode: number): Buffer[] {
  const req = decodeRequest<ProduceRequest>(frame).body;
  const body: ProduceResponse = {
    responses: req.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => ({
        index: p.index,
        errorCode,
        baseOffset: -1,
        logAppendTimeMs: -1,
        logStartOffset: -1,
        recordErrors: [],
        errorMessage: null,
      })),
    })),
    throttleTimeMs: 0,
  };
  return encodeResponseFrame(info.apiKey, info.version, info.correlationId, body);
}

export async function startFaultProxy(
  upstreamPort: number,
  decide: (info: RequestInfo) => Fault,
): Promise<FaultProxy> {
  const counts: Record<string, number> = {};
  let proxyPort = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(client);
    sockets.add(upstream);
    const slots: Slot[] = [];
    const fromClient = new FrameCutter(1 << 30);
    const fromBroker = new FrameCutter(1 << 30);
    const flush = () => {
      while (slots.length > 0 && slots[0].done) {
        const s = slots.shift() as Slot;
        if (!s.response) continue;
        for (const c of s.response) client.write(c);
        if (s.fault.kind === 'duplicate-response') for (const c of s.response) client.write(c);
      }
    };
    client.on('data', (chunk: Buffer) => {
      fromClient.push(chunk);
      for (;;) {
        const cut = fromClient.next();
        if (cut.kind !== 'frame') break;
        const frame = cut.frame;
        const info: RequestInfo = {
          apiKey: frame.readInt16BE(0),
          version: frame.readInt16BE(2),
          correlationId: frame.readInt32BE(4),
        };
        const produce = info.apiKey === 0 ? decodeRequest<ProduceRequest>(Buffer.from(frame)).body : null;
        if (produce)
          info.partitions = produce.topicData.flatMap((t) =>
            t.partitionData.map((p) => `${t.name}-${p.index}`),
          );
        let fault = decide(info);
        if (fault.kind === 'error' && info.apiKey !== 0) fault = { kind: 'pass' };
        counts[fault.kind] = (counts[fault.kind] ?? 0) + 1;
        // acks=0 Produce has no response: never wait for one.
        const acks = produce ? produce.acks : 1;
        const slot: Slot = { info, fault, response: null, done: false };
        if (fault.kind === 'error') {
          slot.response = errorResponse(Buffer.from(frame), info, fault.errorCode);
          slot.done = true;
          slots.push(slot);
          continue;
        }
        if (fault.kind === 'swallow') {
          slots.push(slot);
          continue;
        }
        if (acks !== 0) slots.push(slot);
        const size = Buffer.alloc(4);
        size.writeInt32BE(frame.length);
        upstream.write(Buffer.concat([size, frame]));
      }
      flush();
    });
    upstream.on('data', (chunk: Buffer) => {
      fromBroker.push(chunk);
      for (;;) {
        const cut = fromBroker.next();
        if (cut.kind !== 'frame') break;
        const frame = Buffer.from(cut.frame);
        const id = frame.readInt32BE(0);
        const slot = slots.find((s) => s.info.correlationId === id);
        if (!slot) continue;
        let out: Buffer[];
        if (slot.info.apiKey === 3) {
          // Metadata names the brokers clients connect to: point them at the proxy.
          const res = decodeResponseFrame<MetadataResponse>(3, slot.info.version, frame).body;
          for (const b of res.brokers) b.port = proxyPort;
          out = encodeResponseFrame(3, slot.info.version, id, res);
        } else {
          const size = Buffer.alloc(4);
          size.writeInt32BE(frame.length);
          out = [size, frame];
        }
        if (slot.fault.kind === 'drop-response') {
          slot.done = true;
        } else if (slot.fault.kind === 'delay-response') {
          const ms = slot.fault.ms;
          setTimeout(() => {
            slot.response = out;
            slot.done = true;
            flush();
          }, ms);
        } else {
          slot.response = out;
          slot.done = true;
        }
      }
      flush();
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  proxyPort = port;
  return {
    port,
    bootstrap: `127.0.0.1:${port}`,
    counts,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
