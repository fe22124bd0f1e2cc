// The page a person looks at after a run: verdict, configuration and guarantees, throughput and latency
// over time with the fault windows shaded, the faults, and each violation with the events around it.
// One self-contained HTML file: inline CSS and SVG, no script, nothing fetched.
import { writeFileSync } from 'node:fs';
import { type CheckResult, getOrMake, type Violation } from './checker.js';
import type { HistoryEvent, RunConfig } from './history.js';
import { type ClusterLayout, layoutLine } from './layout.js';
import type { ScheduledFault } from './schedule.js';

export interface ReportInput {
  events: readonly HistoryEvent[];
  config: RunConfig;
  check: CheckResult;
  problems: readonly string[];
  schedule: readonly ScheduledFault[];
  replay: string;
  ok: boolean;
  /** The cluster as it described itself after the topic was created and after the heal. */
  layouts?: { created: ClusterLayout | null; healed: ClusterLayout | null };
  leaderElections?: number | null;
  /** Connections the proxy carried, by the party that opened them (absent: no proxy). */
  connections?: Record<string, number>;
}

const VIOLATIONS_SHOWN_MAX = 40;
const CONTEXT_ROWS_MAX = 40;
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const FAULT_COLORS: Record<string, string> = {
  kill: '#d62728',
  pause: '#9467bd',
  restart: '#8c564b',
  partition: '#ff7f0e',
  oneway: '#e377c2',
  slow: '#17becf',
  disk: '#7f7f7f',
};

function esc(s: unknown): string {
  return String(s).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string,
  );
}

interface Window {
  x0: number;
  x1: number;
  label: string;
  color: string;
}

interface Series {
  name: string;
  color: string;
  points: [number, number][];
}

/** Fault windows in seconds from `zero`, from the fault events (a fault still open ends at the last event). */
function faultWindows(events: readonly HistoryEvent[], zero: number, endS: number): Window[] {
  const open = new Map<number, { t: number; kind: string; target: string }>();
  const out: Window[] = [];
  for (const e of events) {
    if (e.type !== 'fault') continue;
    if (e.phase === 'start') open.set(e.id, { t: e.t, kind: e.kind, target: e.target });
    else {
      const s = open.get(e.id);
      if (!s) continue;
      open.delete(e.id);
      out.push({
        x0: (s.t - zero) / 1000,
        x1: Math.max((e.t - zero) / 1000, (s.t - zero) / 1000 + 0.15),
        label: `${s.kind} ${s.target}`,
        color: FAULT_COLORS[s.kind] ?? '#999',
      });
    }
  }
  for (const s of open.values())
    out.push({
      x0: (s.t - zero) / 1000,
      x1: endS,
      label: `${s.kind} ${s.target}`,
      color: FAULT_COLORS[s.kind] ?? '#999',
    });
  return out;
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function chart(
  title: string,
  yLabel: string,
  series: Series[],
  windows: Window[],
  xMax: number,
  logY = false,
): string {
  const W = 1000;
  const H = 260;
  const L = 60;
  const R = 10;
  const T = 28;
  const B = 30;
  const all = series.flatMap((s) => s.points.map((p) => p[1]));
  const yMaxRaw = all.length ? Math.max(...all) : 1;
  const yMin = logY ? 1 : 0;
  const yMax = logY ? 10 ** Math.ceil(Math.log10(Math.max(yMaxRaw, 10))) : niceMax(yMaxRaw);
  const x = (v: number) => L + (v / Math.max(xMax, 1)) * (W - L - R);
  const y = (v: number) => {
    const f = logY
      ? (Math.log10(Math.max(v, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))
      : v / yMax;
    return H - B - f * (H - T - B);
  };
  const parts: string[] = [
    `<svg viewBox="0 0 ${W} ${H}" class="chart" role="img" aria-label="${esc(title)}">`,
  ];
  parts.push(`<text x="${L}" y="16" class="title">${esc(title)}</text>`);
  windows.forEach((w, i) => {
    parts.push(
      `<rect x="${x(w.x0).toFixed(1)}" y="${T}" width="${Math.max(1, x(w.x1) - x(w.x0)).toFixed(1)}" height="${H - T - B}" fill="${w.color}" fill-opacity="0.16"><title>${esc(w.label)}</title></rect>`,
    );
    parts.push(
      `<text x="${(x(w.x0) + 2).toFixed(1)}" y="${T + 10 + (i % 3) * 10}" class="wl" fill="${w.color}">${esc(w.label)}</text>`,
    );
  });
  const ticks = logY
    ? Array.from({ length: Math.log10(yMax) + 1 }, (_, i) => 10 ** i)
    : [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  for (const t of ticks) {
    parts.push(
      `<line x1="${L}" x2="${W - R}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" class="grid"/>`,
    );
    parts.push(
      `<text x="${L - 4}" y="${(y(t) + 4).toFixed(1)}" class="axis" text-anchor="end">${t >= 1000 ? `${t / 1000}k` : Math.round(t * 100) / 100}</text>`,
    );
  }
  const step = xMax > 120 ? 30 : xMax > 40 ? 10 : 5;
  for (let s = 0; s <= xMax; s += step) {
    parts.push(
      `<text x="${x(s).toFixed(1)}" y="${H - B + 16}" class="axis" text-anchor="middle">${s}s</text>`,
    );
  }
  parts.push(
    `<text x="12" y="${T + (H - T - B) / 2}" class="axis" transform="rotate(-90 12 ${T + (H - T - B) / 2})" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"/>`);
    const lx = 330 + i * 130;
    parts.push(
      `<rect x="${lx}" y="7" width="10" height="10" fill="${s.color}"/><text x="${lx + 14}" y="16" class="axis">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Per-second acknowledgements and reads by client kind, and acknowledgement latency quantiles. */
function timeSeries(events: readonly HistoryEvent[], zero: number, seconds: number) {
  const kind = (w: string) => (w.startsWith('k') ? 'kafkajs' : 'samsa');
  const acks = new Map<string, number[]>();
  const reads = new Map<string, number[]>();
  const lat: number[][] = Array.from({ length: seconds + 1 }, () => []);
  const bump = (m: Map<string, number[]>, k: string, s: number) => {
    getOrMake(m, k, () => new Array<number>(seconds + 1).fill(0))[s]++;
  };
  for (const e of events) {
    const s = Math.floor((e.t - zero) / 1000);
    if (s < 0 || s > seconds) continue;
    if (e.type === 'ack') {
      bump(acks, `acks/s ${kind(e.w)}`, s);
      lat[s].push(e.t - e.t0);
    } else if (e.type === 'read' && !e.w.startsWith('drain-')) bump(reads, `reads/s ${kind(e.w)}`, s);
  }
  const series: Series[] = [];
  let c = 0;
  for (const m of [acks, reads]) {
    for (const [name, counts] of [...m].sort()) {
      series.push({
        name,
        color: COLORS[c++ % COLORS.length],
        points: counts.map((n, i) => [i + 0.5, n] as [number, number]),
      });
    }
  }
  const latency: Series[] = [
    { name: 'p50 ms', color: COLORS[0], points: [] },
    { name: 'p99 ms', color: COLORS[1], points: [] },
    { name: 'max ms', color: COLORS[3], points: [] },
  ];
  lat.forEach((l, i) => {
    if (l.length === 0) return;
    l.sort((a, b) => a - b);
    latency[0].points.push([i + 0.5, quantile(l, 0.5)]);
    latency[1].points.push([i + 0.5, quantile(l, 0.99)]);
    latency[2].points.push([i + 0.5, l[l.length - 1]]);
  });
  return { series, latency };
}

/** The events a person needs to judge a violation: same value, neighbouring offsets, faults nearby. */
function contextOf(v: Violation, events: readonly HistoryEvent[]): HistoryEvent[] {
  const around = v.t ?? events.find((e) => 'v' in e && e.v === v.v)?.t ?? 0;
  const rows = events.filter((e) => {
    if ('v' in e && v.v !== undefined && e.v === v.v) return true;
    if (
      (e.type === 'read' || e.type === 'ack') &&
      v.p === e.p &&
      v.o !== undefined &&
      Math.abs(e.o - v.o) <= 1
    )
      return true;
    if (e.type === 'commit' && v.g === e.g && v.p === e.p && Math.abs(e.t - around) < 3000) return true;
    if ((e.type === 'fault' || e.type === 'node' || e.type === 'phase') && Math.abs(e.t - around) < 5000)
      return true;
    return false;
  });
  return rows.slice(0, CONTEXT_ROWS_MAX);
}

function eventRow(e: HistoryEvent, zero: number): string {
  const cells: unknown[] = [((e.t - zero) / 1000).toFixed(3), e.w, e.type];
  let p = '';
  let o = '';
  let v = '';
  let detail = '';
  switch (e.type) {
    case 'send':
      [p, v] = [String(e.p), e.v];
      break;
    case 'ack':
      [p, o, v, detail] = [String(e.p), String(e.o), e.v, `${(e.t - e.t0).toFixed(1)} ms`];
      break;
    case 'fail':
      [p, v, detail] = [String(e.p), e.v, `${e.definite ? 'definite' : 'indeterminate'}: ${e.err}`];
      break;
    case 'read':
      [p, o, v, detail] = [String(e.p), String(e.o), e.v, e.g ? `group ${e.g}` : ''];
      break;
    case 'commit':
      [p, o, detail] = [String(e.p), String(e.o), `${e.g} ${e.ok ? 'ok' : `failed: ${e.err}`}`];
      break;
    case 'committed':
      [p, o, detail] = [String(e.p), String(e.o), e.g];
      break;
    case 'drain-end':
      [p, o, detail] = [
        String(e.p),
        String(e.end),
        `${e.complete ? 'complete' : 'incomplete'} ${e.detail ?? ''}`,
      ];
      break;
    case 'fault':
      detail = `${e.phase} #${e.id} ${e.kind} ${e.target}`;
      break;
    case 'node':
      detail = `n${e.node} ${e.state} ${e.detail ?? ''}`;
      break;
    case 'phase':
      detail = e.name;
      break;
    case 'worker':
      detail = `${e.state} ${e.detail ?? ''}`;
      break;
    case 'meta':
      break;
  }
  cells.push(p, o, v, detail);
  return `<tr class="${e.type}">${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
}

export function renderReport(r: ReportInput): string {
  const { events, config, check } = r;
  const zero = events.find((e) => e.type === 'phase' && e.name === 'setup')?.t ?? events[0]?.t ?? 0;
  const last = events.length ? events[events.length - 1].t : zero;
  const seconds = Math.max(1, Math.ceil((last - zero) / 1000));
  const windows = faultWindows(events, zero, seconds);
  const phases = events.filter((e) => e.type === 'phase');
  for (const p of phases) {
    if (p.type === 'phase' && (p.name === 'workload' || p.name === 'heal' || p.name === 'drain')) {
      const x = (p.t - zero) / 1000;
      windows.push({ x0: x, x1: x + 0.05, label: `▸${p.name}`, color: '#000' });
    }
  }
  const ts = timeSeries(events, zero, seconds);
  const verdict = r.ok ? 'PASS' : check.violations.length > 0 ? 'FAIL' : 'UNKNOWN';
  const kinds =
    Object.entries(check.counts)
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ') || 'none';
  const allowed =
    Object.entries(check.allowed)
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ') || 'none';
  const s = check.stats;
  const violations = check.violations.slice(0, VIOLATIONS_SHOWN_MAX).map((v, i) => {
    const rows = contextOf(v, events)
      .map((e) => eventRow(e, zero))
      .join('');
    return `<section class="violation"><h3>${i + 1}. <span class="kind">${esc(v.kind)}</span> ${esc(v.message)}</h3>
<table class="events"><tr><th>t (s)</th><th>who</th><th>event</th><th>p</th><th>offset</th><th>value</th><th>detail</th></tr>${rows}</table></section>`;
  });
  const faults = r.schedule
    .map(
      (f) =>
        `<tr><td>${f.id}</td><td>${esc(f.kind)}</td><td>${esc(f.target)}</td><td>${(f.atMs / 1000).toFixed(1)}</td><td>${(f.durationMs / 1000).toFixed(1)}</td><td>${esc([f.mode, f.resetOnHeal ? 'reset on heal' : '', f.delayMs ? `${f.delayMs} ms` : ''].filter(Boolean).join(', '))}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>chaos ${verdict} seed ${config.seed}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1 .PASS{color:#2a7d2a}h1 .FAIL{color:#c62828}h1 .UNKNOWN{color:#b26a00}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;font-size:12px}
.events td{font-family:ui-monospace,monospace}.events tr.fault,.events tr.node,.events tr.phase{background:#fff4e5}
.chart{width:100%;height:auto;border:1px solid #eee;margin:6px 0}.chart .title{font-weight:600;font-size:13px}
.chart .axis{font-size:10px;fill:#555}.chart .wl{font-size:9px}.chart .grid{stroke:#eee}
code{background:#f4f4f4;padding:1px 4px}.kind{color:#c62828;font-family:ui-monospace,monospace}
.violation{border-left:3px solid #c62828;padding-left:10px;margin:14px 0}
</style></head><body>
<h1><span class="${verdict}">${verdict}</span> — chaos run, seed ${config.seed}</h1>
<p>Replay: <code>${esc(r.replay)}</code></p>
<table>
<tr><th>workload</th><td>${esc(config.workload)} on topic ${esc(config.topic)}, ${config.partitions} partitions</td></tr>
<tr><th>cluster</th><td>${config.bootstrap ? `external: ${esc(config.bootstrap)}` : `${config.nodes} node(s) started by the lab`}; replication factor ${config.replicationFactor}, min.insync.replicas ${config.minInsyncReplicas}${config.unsafe ? `; <b>SAMSA_CHAOS_UNSAFE=${esc(config.unsafe)}</b>` : ''}</td></tr>
${layoutRows(r)}
<tr><th>clients</th><td>${esc(config.clients.join(', '))}; acks=${config.acks === -1 ? 'all' : config.acks}, idempotence ${config.idempotence ? 'on' : 'off'}</td></tr>
<tr><th>faults</th><td>${esc(config.faults.join(', ') || 'none')}; ${r.schedule.length} scheduled over ${(config.durationMs / 1000).toFixed(0)} s</td></tr>
${
  r.connections
    ? `<tr><th>proxied connections</th><td>by opener: ${esc(
        Object.entries(r.connections)
          .map(([k, n]) => `${k} ${n}`)
          .join(', '),
      )}</td></tr>`
    : ''
}
<tr><th>operations</th><td>${s.sent} sent, ${s.acked} acknowledged, ${s.indeterminate} indeterminate (${s.unresolved} without any outcome), ${s.failedDefinite} failed; ${s.readLive} read by the group; final reads: ${esc(
    Object.entries(s.readDrain)
      .map(([k, n]) => `${k} ${n}`)
      .join(', '),
  )}; ${s.commits} commits (${s.commitsFailed} failed)</td></tr>
<tr><th>send failures</th><td>${esc(
    Object.entries(s.failures)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none',
  )}</td></tr>
<tr><th>violations</th><td>${esc(kinds)}</td></tr>
<tr><th>allowed anomalies</th><td>${esc(allowed)}</td></tr>
${check.inconclusive.length ? `<tr><th>inconclusive</th><td>${check.inconclusive.map(esc).join('<br>')}</td></tr>` : ''}
${r.problems.length ? `<tr><th>problems</th><td>${r.problems.map((p) => `<pre>${esc(p)}</pre>`).join('')}</td></tr>` : ''}
</table>
<h2>Guarantees checked</h2><ul>${check.guarantees.statements.map((g) => `<li>${esc(g)}</li>`).join('')}</ul>
<h2>Over time</h2>
${chart('Throughput (per second)', 'per second', ts.series, windows, seconds)}
${chart('Acknowledgement latency (send to ack)', 'ms (log)', ts.latency, windows, seconds, true)}
<h2>Faults</h2><table><tr><th>#</th><th>kind</th><th>target</th><th>scheduled at (s)</th><th>for (s)</th><th>how</th></tr>${faults}</table>
<h2>Violations</h2>${violations.length ? violations.join('\n') : '<p>None.</p>'}
${check.violations.length > VIOLATIONS_SHOWN_MAX ? `<p>… and ${check.violations.length - VIOLATIONS_SHOWN_MAX} more (the history file has them all).</p>` : ''}
</body></html>
`;
}

function layoutRows(r: ReportInput): string {
  const rows: string[] = [];
  if (r.layouts?.created)
    rows.push(`<tr><th>as described after creation</th><td>${esc(layoutLine(r.layouts.created))}</td></tr>`);
  if (r.layouts?.healed)
    rows.push(`<tr><th>as described after the heal</th><td>${esc(layoutLine(r.layouts.healed))}</td></tr>`);
  if (r.leaderElections !== undefined && r.leaderElections !== null)
    rows.push(
      `<tr><th>leader elections</th><td>${r.leaderElections} (the topic's leader epochs rose by this much)</td></tr>`,
    );
  return rows.join('\n');
}

export function writeReport(path: string, r: ReportInput): void {
  writeFileSync(path, renderReport(r));
}
