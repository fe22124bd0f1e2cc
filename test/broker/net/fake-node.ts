// A scripted Kafka node for connection tests: decodes each request and answers what the test's
// handler returns (or nothing, or closes), in arrival order, as a real node would.
import { createServer, type Server, type Socket } from 'node:net';
import { decodeRequest, encodeResponseFrame } from '../../../src/protocol/frame.js';
import { FrameCutter } from '../../../src/protocol/frame-cutter.js';
import { API_DECLS } from '../../../src/protocol/messages/index.js';
import { parseVersions } from '../../../src/protocol/schema/declaration.js';

export type Answer = unknown | { swallow: true } | { close: true } | Promise<unknown>;
// biome-ignore lint/suspicious/noExplicitAny: scripts read request fields freely
export type Script = (apiKey: number, version: number, body: any, correlationId: number) => Answer;

/** Every API at every declared version, as ApiVersions would list it. */
export function allApis(limit?: Map<number, [number, number]>) {
  return API_DECLS.map((d) => {
    const v = parseVersions(d.request.valid);
    const l = limit?.get(d.apiKey);
    return { apiKey: d.apiKey, minVersion: l ? l[0] : v.min, maxVersion: l ? l[1] : v.max };
  });
}

export class FakeNode {
  private server: Server | null = null;
  readonly sockets = new Set<Socket>();
  port = 0;
  readonly seen: { apiKey: number; version: number; clientId: string | null }[] = [];
  connections = 0;

  constructor(
    private readonly script: Script,
    private readonly apis = allApis(),
    /** Answer each request as soon as its answer is known, not in arrival order (a broken node). */
    private readonly unordered = false,
  ) {}

  async start(port = 0): Promise<this> {
    this.server = createServer((s) => this.accept(s));
    await new Promise<void>((r) => this.server?.listen(port, '127.0.0.1', () => r()));
    const a = this.server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
    return this;
  }

  private accept(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    const cutter = new FrameCutter(1 << 30);
    let chain: Promise<void> = Promise.resolve();
    socket.on('data', (d: Buffer) => {
      cutter.push(d);
      for (let r = cutter.next(); r.kind === 'frame'; r = cutter.next()) {
        const { header, body } = decodeRequest(r.frame);
        this.seen.push({
          apiKey: header.requestApiKey,
          version: header.requestApiVersion,
          clientId: header.clientId,
        });
        const respond = async () => {
          const answer =
            header.requestApiKey === 18
              ? { errorCode: 0, apiKeys: this.apis, throttleTimeMs: 0 }
              : await this.script(header.requestApiKey, header.requestApiVersion, body, header.correlationId);
          if (answer && typeof answer === 'object' && 'close' in answer) {
            socket.destroy();
            return;
          }
          if (answer && typeof answer === 'object' && 'swallow' in answer) return;
          for (const c of encodeResponseFrame(
            header.requestApiKey,
            header.requestApiVersion,
            header.correlationId,
            answer,
          ))
            socket.write(c);
        };
        if (this.unordered) void respond();
        else chain = chain.then(respond);
      }
    });
  }

  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = null;
  }
}
