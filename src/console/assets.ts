// The page: the bundle `npm run build` writes to dist/console-ui (scripts/bundle.mjs), found by
// walking up from this module (it runs from dist/src/console or, bundled, from dist/bin), loaded
// once and kept compressed in memory. Nothing is fetched from elsewhere at run time.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';

export interface Asset {
  body: Buffer;
  gzip: Buffer;
  brotli: Buffer;
  type: string;
  /** Hashed names never change content: cache them for good. */
  immutable: boolean;
}

export interface Assets {
  /** By URL path (/assets/app-HASH.js, ...). */
  files: Map<string, Asset>;
  index: Asset;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
};

function findUiDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    for (const candidate of [join(dir, 'console-ui'), join(dir, 'dist', 'console-ui')])
      if (existsSync(join(candidate, 'manifest.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir)
      throw new Error('the console page is not built (dist/console-ui is missing): run npm run build');
    dir = up;
  }
}

function asset(body: Buffer, type: string, immutable: boolean): Asset {
  return { body, gzip: gzipSync(body, { level: 9 }), brotli: brotliCompressSync(body), type, immutable };
}

export function loadAssets(): Assets {
  const dir = findUiDir();
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    js: string;
    css: string;
  };
  const files = new Map<string, Asset>();
  for (const name of [manifest.js, manifest.css]) {
    const ext = name.slice(name.lastIndexOf('.'));
    files.set(
      `/assets/${name}`,
      asset(readFileSync(join(dir, name)), TYPES[ext] ?? 'application/octet-stream', true),
    );
  }
  files.set('/favicon.svg', asset(Buffer.from(FAVICON), TYPES['.svg'], false));
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Samsa console</title>
<link rel="icon" href="/favicon.svg">
<link rel="stylesheet" href="/assets/${manifest.css}">
<script type="module" src="/assets/${manifest.js}"></script>
</head>
<body><div id="app"></div></body>
</html>
`;
  return { files, index: asset(Buffer.from(html), TYPES['.html'], false) };
}

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f6f5c"/><path d="M9 22c3 2 11 2 13-2s-12-4-11-9 9-4 12-2" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>';
