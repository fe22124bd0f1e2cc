#!/usr/bin/env node
// Enforces the import boundaries of DESIGN.md §1.4. Each README.md under src/ may carry these lines:
//   Must not import: broker, client, protocol/messages, node:*, some-package
//   Only imports: client, protocol
//   Must not use: Date.now, Math.random, setTimeout
//   May import: security/sasl/scram-client
// They apply to every .ts file below that README's folder. Folder names are relative to src/;
// `node:*` means any Node.js built-in, `packages` any npm package. `Only imports` is an allowlist of
// src/ folders: a relative import that leaves the README's folder must land in one of them (Node.js
// built-ins and npm packages are not restricted by it). `May import` names single src/ modules that a
// `Must not import` folder would otherwise cover (a pure piece both sides share).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = join(root, 'src');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

function listAfter(text, label) {
  const line = text.split('\n').find((l) => l.replace(/^[-*\s]+/, '').startsWith(label));
  if (!line) return [];
  return line
    .slice(line.indexOf(label) + label.length)
    .split(',')
    .map((s) =>
      s
        .replace(/[`.\s]+$/g, '')
        .replace(/^[`\s]+/, '')
        .replace(/`/g, ''),
    )
    .filter(Boolean);
}

const files = walk(src);
const rules = files
  .filter((f) => f.endsWith('README.md'))
  .map((readme) => {
    const text = readFileSync(readme, 'utf8');
    return {
      readme: relative(root, readme),
      scope: dirname(readme),
      noImport: listAfter(text, 'Must not import:'),
      onlyImport: listAfter(text, 'Only imports:'),
      noUse: listAfter(text, 'Must not use:'),
      mayImport: listAfter(text, 'May import:'),
    };
  })
  .filter((r) => r.noImport.length > 0 || r.onlyImport.length > 0 || r.noUse.length > 0);

const importRe =
  /(?:^|[\s;])(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
const builtins = new Set(builtinModules);

function stripComments(code) {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

function importViolates(spec, fromFile, forbidden) {
  if (spec.startsWith('.')) {
    const target = relative(src, resolve(dirname(fromFile), spec)).replace(/\.js$/, '');
    return target === forbidden || target.startsWith(`${forbidden}/`) || target.startsWith(`${forbidden}.`);
  }
  const isBuiltin = spec.startsWith('node:') || builtins.has(spec.split('/')[0]);
  if (forbidden === 'node:*') return isBuiltin;
  if (forbidden === 'packages') return !isBuiltin;
  return spec === forbidden || spec.startsWith(`${forbidden}/`);
}

/** For `Only imports`: the src/ folder a relative import outside `scope` lands in, if it is not allowed. */
function outsideAllowed(spec, fromFile, scope, allowed) {
  if (!spec.startsWith('.')) return null;
  const target = resolve(dirname(fromFile), spec);
  if (target.startsWith(`${scope}/`)) return null;
  const rel = relative(src, target).replace(/\.js$/, '');
  const ok = allowed.some((a) => rel === a || rel.startsWith(`${a}/`));
  return ok ? null : rel.split('/')[0];
}

const problems = [];
for (const file of files.filter((f) => f.endsWith('.ts') || f.endsWith('.tsx'))) {
  const code = stripComments(readFileSync(file, 'utf8'));
  const applicable = rules.filter((r) => file.startsWith(`${r.scope}/`));
  if (applicable.length === 0) continue;
  const specs = [...code.matchAll(importRe)].map((m) => m[1] ?? m[2] ?? m[3]);
  for (const rule of applicable) {
    for (const spec of specs) {
      const excepted = spec.startsWith('.') && rule.mayImport.some((m) => importViolates(spec, file, m));
      const bad = excepted ? undefined : rule.noImport.find((f) => importViolates(spec, file, f));
      if (bad)
        problems.push(`${relative(root, file)}: imports '${spec}', which ${rule.readme} forbids (${bad})`);
      const outside =
        rule.onlyImport.length > 0 ? outsideAllowed(spec, file, rule.scope, rule.onlyImport) : null;
      if (outside)
        problems.push(
          `${relative(root, file)}: imports '${spec}' (${outside}), outside what ${rule.readme} allows (${rule.onlyImport.join(', ')})`,
        );
    }
    for (const word of rule.noUse) {
      const re = new RegExp(`(^|[^\\w.$])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w$])`);
      const lineNo = code.split('\n').findIndex((l) => re.test(l));
      if (lineNo >= 0) problems.push(`${relative(root, file)}: uses ${word}, which ${rule.readme} forbids`);
    }
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`lint-boundaries: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(
  `lint-boundaries: ${files.filter((f) => f.endsWith('.ts') || f.endsWith('.tsx')).length} files checked against ${rules.length} READMEs, clean`,
);
