// The console's HTTP server: the page, its API and the security in front of both (security.ts).
// Responses carry a strict Content-Security-Policy: scripts and styles only from the console
// itself, nothing inline, so even a record that slipped into the page as markup could not run.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { type Asset, loadAssets } from './assets.js';
import { ConsoleContext } from './context.js';
import type { ConsoleOptions } from './options.js';
import { apiRoutes } from './routes/api.js';
import { securityRoutes } from './routes/security.js';
import { Gate } from './security.js';

export interface RunningConsole {
  /** http://host:port */
  url: string;
  port: number;
  close(): Promise<void>;
}

function send(c: Context, a: Asset): Response {
  const accept = c.req.header('accept-encoding') ?? '';
  const [body, encoding] = /\bbr\b/.test(accept)
    ? [a.brotli, 'br']
    : /\bgzip\b/.test(accept)
      ? [a.gzip, 'gzip']
      : [a.body, null];
  const headers: Record<string, string> = {
    'content-type': a.type,
    'cache-control': a.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    vary: 'accept-encoding',
  };
  if (encoding) headers['content-encoding'] = encoding;
  return c.body(new Uint8Array(body), 200, headers);
}

export function consoleApp(ctx: ConsoleContext, gate: Gate): Hono {
  const assets = loadAssets();
  const app = new Hono();
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(gate.middleware());
  app.get('/api/session', (c) =>
    c.json(gate.sessionInfo(c, { refreshMs: ctx.options.refreshMs, bootstrap: ctx.options.brokers })),
  );
  app.post('/api/login', (c) => gate.login(c));
  app.post('/api/logout', (c) => gate.logout(c));
  apiRoutes(app, ctx);
  securityRoutes(app, ctx);
  app.all('/api/*', (c) => c.json({ error: 'no such API' }, 404));
  app.get('*', (c) => {
    const a = assets.files.get(c.req.path);
    if (a) return send(c, a);
    if (c.req.path.startsWith('/assets/')) return c.text('not found', 404);
    return send(c, assets.index);
  });
  return app;
}

/** Starts the console: its own clients to `options.brokers`, the sampler, and the HTTP server. */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const ctx = new ConsoleContext(options);
  const app = consoleApp(ctx, new Gate(options));
  const server: Server = createServer(getRequestListener(app.fetch));
  // Long-lived tails keep their socket; everything else answers quickly.
  server.headersTimeout = 30_000;
  server.requestTimeout = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
  } catch (e) {
    await ctx.close();
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE')
      throw new Error(`console: port ${options.port} is in use; choose another with --port`);
    throw new Error(`console: cannot listen on ${options.host}:${options.port}: ${err.message}`);
  }
  ctx.sampler.start();
  const port = (server.address() as AddressInfo).port;
  const shownHost =
    options.host === '0.0.0.0' || options.host === '::' || options.host === '' ? 'localhost' : options.host;
  return {
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ctx.close();
    },
  };
}
