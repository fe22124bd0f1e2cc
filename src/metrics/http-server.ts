// The HTTP endpoint operators and orchestrators poll: /metrics (Prometheus text), /health (the process
// answers) and /ready (the node serves clients), plus any JSON routes the owner adds. It knows nothing
// of the broker: the owner passes functions that produce each answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { CONTENT_TYPE } from './exposition.js';

const gzip = promisify(gzipCallback);
/** Expositions at least this large are gzipped when the scraper accepts it (Prometheus does). */
const GZIP_BYTES_MIN = 16 * 1024;

export interface JsonAnswer {
  status: number;
  body: unknown;
}

export interface EndpointHandlers {
  metrics(): Promise<string>;
  health(): JsonAnswer;
  ready(): JsonAnswer;
  /** Extra GET routes answering JSON, by path ("/lag"). */
  routes?: Record<string, (query: URLSearchParams) => Promise<JsonAnswer>>;
  /** Called when a handler throws (the request gets a 500). */
  onError?(err: unknown): void;
}

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  handlers: EndpointHandlers;
}

export class MetricsServer {
  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Listens; rejects with a readable error when the port is taken or the host cannot be bound. */
  static async start(options: MetricsServerOptions): Promise<MetricsServer> {
    const server = createServer((req, res) => {
      answer(req, res, options.handlers).catch((err) => {
        options.handlers.onError?.(err);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      });
    });
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    const where = `${options.host || '0.0.0.0'}:${options.port}`;
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE')
          reject(new Error(`metrics endpoint: port ${options.port} is already in use (${where})`));
        else reject(new Error(`metrics endpoint: cannot listen on ${where}: ${err.message}`));
      });
      server.listen({ host: options.host || undefined, port: options.port }, () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : options.port);
      });
    });
    return new MetricsServer(server, options.host, port);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function answer(req: IncomingMessage, res: ServerResponse, h: EndpointHandlers): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
    res.end('method not allowed\n');
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  switch (url.pathname) {
    case '/metrics': {
      const text = await h.metrics();
      const accepts = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      if (accepts && text.length >= GZIP_BYTES_MIN) {
        const body = await gzip(text);
        res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-encoding': 'gzip' });
        res.end(req.method === 'HEAD' ? undefined : body);
      } else {
        res.writeHead(200, { 'content-type': CONTENT_TYPE });
        res.end(req.method === 'HEAD' ? undefined : text);
      }
      return;
    }
    case '/health':
      return json(res, h.health());
    case '/ready':
      return json(res, h.ready());
    case '/':
      return json(res, {
        status: 200,
        body: { endpoints: ['/metrics', '/health', '/ready', ...Object.keys(h.routes ?? {})] },
      });
  }
  const route = h.routes?.[url.pathname];
  if (route) return json(res, await route(url.searchParams));
  json(res, { status: 404, body: { error: `no such endpoint: ${url.pathname}` } });
}

function json(res: ServerResponse, a: JsonAnswer): void {
  res.writeHead(a.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(a.body)}\n`);
}
