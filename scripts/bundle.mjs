#!/usr/bin/env node
// Bundles the command-line entry points (after tsc) into dist/bin/ with esbuild: one module to load
// instead of a few hundred is what lets a broker start in well under a second of a bare `node`.
// Native and WASM packages stay external (they load their binaries at run time); code loaded with a
// dynamic import (the compression codecs) becomes its own chunk, loaded only when needed.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const kafkaDir = join(root, 'dist/src/cli/kafka');
const entryPoints = {
  samsa: join(root, 'dist/src/cli/samsa.js'),
  ...Object.fromEntries(
    readdirSync(kafkaDir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => [f.replace(/\.js$/, ''), join(kafkaDir, f)]),
  ),
};

// Chunk names change with their contents: start from an empty folder so stale ones do not pile up.
rmSync(join(root, 'dist/bin'), { recursive: true, force: true });

await build({
  entryPoints,
  outdir: join(root, 'dist/bin'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@node-rs/crc32', 'snappy', 'lz4-napi', '@bokuweb/zstd-wasm'],
  // Bundled CommonJS dependencies may call require(); give ESM output one.
  banner: {
    js: "import { createRequire as __samsaCreateRequire } from 'node:module'; const require = __samsaCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
});

// The web console's page: Preact components bundled for browsers, minified, with hashed names (the
// server caches them for good) and a manifest that tells the server which names to serve.
const uiDir = join(root, 'dist/console-ui');
rmSync(uiDir, { recursive: true, force: true });
const ui = await build({
  entryPoints: { app: join(root, 'src/console/ui/main.tsx') },
  outdir: uiDir,
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
});
const outputs = Object.keys(ui.metafile.outputs).map((p) => p.slice(p.lastIndexOf('/') + 1));
const manifest = {
  js: outputs.find((f) => f.endsWith('.js')),
  css: outputs.find((f) => f.endsWith('.css')),
};
writeFileSync(join(uiDir, 'manifest.json'), `${JSON.stringify(manifest)}\n`);
