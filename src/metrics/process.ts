// Node.js process metrics under the names prom-client's default metrics use (`process_*`,
// `nodejs_*`), so dashboards built for Node services work unchanged. The event-loop delay monitor and
// the GC observer run only between start() and stop(); everything else is read at scrape time.
import { readdir, readFile } from 'node:fs/promises';
import {
  constants,
  type EventLoopUtilization,
  type IntervalHistogram,
  monitorEventLoopDelay,
  PerformanceObserver,
  performance,
} from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Exposition } from './exposition.js';

/** The event-loop delay monitor's sampling interval; its samples include it, and we take it out. */
const DELAY_RESOLUTION_MS = 10;
const GC_BUCKETS_SECONDS = [0.001, 0.01, 0.1, 1, 2, 5];
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

interface GcKind {
  buckets: number[];
  count: number;
  sumSeconds: number;
}

/**
 * The event-loop delay monitor and the GC observer are the process's, shared by every ProcessMetrics
 * started in it (several in-process brokers): started by the first, stopped with the last. Turning
 * them on and off repeatedly is not free, so a broker starts them once.
 */
const monitors = {
  users: 0,
  delay: null as IntervalHistogram | null,
  gcObserver: null as PerformanceObserver | null,
  gc: new Map<string, GcKind>(),
};

function recordGc(kind: string, seconds: number): void {
  let k = monitors.gc.get(kind);
  if (!k) {
    k = { buckets: GC_BUCKETS_SECONDS.map(() => 0), count: 0, sumSeconds: 0 };
    monitors.gc.set(kind, k);
  }
  k.count++;
  k.sumSeconds += seconds;
  for (let i = 0; i < GC_BUCKETS_SECONDS.length; i++) if (seconds <= GC_BUCKETS_SECONDS[i]) k.buckets[i]++;
}

export class ProcessMetrics {
  private started = false;
  private lastElu: EventLoopUtilization = performance.eventLoopUtilization();
  /** The share of time the event loop sat idle between the last two scrapes (0-1). */
  idleRatio = 1;

  start(): void {
    if (this.started) return;
    this.started = true;
    if (monitors.users++ > 0) return;
    monitors.delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
    monitors.delay.enable();
    monitors.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const detail = (entry as { detail?: { kind?: number } }).detail;
        recordGc(GC_KINDS[detail?.kind ?? -1] ?? 'unknown', entry.duration / 1000);
      }
    });
    monitors.gcObserver.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    if (--monitors.users > 0) return;
    monitors.delay?.disable();
    monitors.delay = null;
    monitors.gcObserver?.disconnect();
    monitors.gcObserver = null;
  }

  /** Measures how long a callback queued now waits for the event loop (what prom-client reports). */
  private static lagSeconds(): Promise<number> {
    const start = process.hrtime.bigint();
    return new Promise((resolve) =>
      setImmediate(() => resolve(Number(process.hrtime.bigint() - start) / 1e9)),
    );
  }

  async collect(w: Exposition): Promise<void> {
    const lag = await ProcessMetrics.lagSeconds();
    const elu = performance.eventLoopUtilization(this.lastElu);
    this.lastElu = performance.eventLoopUtilization();
    this.idleRatio = elu.idle + elu.active > 0 ? elu.idle / (elu.idle + elu.active) : 1;
    const cpu = process.cpuUsage();
    w.single('process_cpu_user_seconds_total', 'counter', 'User CPU time spent, in seconds.', cpu.user / 1e6);
    w.single(
      'process_cpu_system_seconds_total',
      'counter',
      'System CPU time spent, in seconds.',
      cpu.system / 1e6,
    );
    w.single(
      'process_cpu_seconds_total',
      'counter',
      'User and system CPU time spent, in seconds.',
      (cpu.user + cpu.system) / 1e6,
    );
    w.single(
      'process_start_time_seconds',
      'gauge',
      'Start time of the process since the Unix epoch, in seconds.',
      Math.round(Date.now() / 1000 - process.uptime()),
    );
    const mem = process.memoryUsage();
    w.single('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', mem.rss);
    await this.collectProcFs(w);
    this.collectEventLoop(w, lag);
    w.single('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap size in bytes.', mem.heapTotal);
    w.single('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap used in bytes.', mem.heapUsed);
    w.single(
      'nodejs_external_memory_bytes',
      'gauge',
      'Memory of C++ objects bound to JavaScript objects, in bytes.',
      mem.external,
    );
    this.collectHeapSpaces(w);
    this.collectResources(w);
    const [major, minor, patch] = process.versions.node.split('.');
    w.family('nodejs_version_info', 'gauge', 'Node.js version.').sample(
      [
        ['version', process.version],
        ['major', major],
        ['minor', minor],
        ['patch', patch],
      ],
      1,
    );
    this.collectGc(w);
  }

  /** Virtual memory, data segment and file descriptors, where /proc exists (Linux). */
  private async collectProcFs(w: Exposition): Promise<void> {
    if (process.platform !== 'linux') return;
    try {
      const status = await readFile('/proc/self/status', 'utf8');
      const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024;
      w.single('process_virtual_memory_bytes', 'gauge', 'Virtual memory size in bytes.', kb('VmSize'));
      w.single('process_heap_bytes', 'gauge', 'Process data segment size in bytes.', kb('VmData'));
      const fds = await readdir('/proc/self/fd');
      w.single('process_open_fds', 'gauge', 'Number of open file descriptors.', fds.length);
      const limits = await readFile('/proc/self/limits', 'utf8');
      const max = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
      if (max) w.single('process_max_fds', 'gauge', 'Maximum number of open file descriptors.', Number(max));
    } catch {
      // /proc unreadable (sandboxes): these families are left out.
    }
  }

  private collectEventLoop(w: Exposition, lagSeconds: number): void {
    w.single(
      'nodejs_eventloop_lag_seconds',
      'gauge',
      'How long a callback queued at scrape time waited for the event loop, in seconds.',
      lagSeconds,
    );
    // Shared by the process: with several brokers in it, "since the last scrape" is of any of them.
    const h = monitors.delay;
    if (!h || h.count === 0) return;
    // The monitor samples the time between its own 10 ms ticks; the delay is what exceeds 10 ms.
    const excess = (ns: number) => Math.max(0, ns / 1e9 - DELAY_RESOLUTION_MS / 1000);
    const stat = (name: string, help: string, ns: number) =>
      w.single(`nodejs_eventloop_lag_${name}_seconds`, 'gauge', help, excess(ns));
    stat('min', 'Smallest event-loop delay since the last scrape, in seconds.', h.min);
    stat('max', 'Largest event-loop delay since the last scrape, in seconds.', h.max);
    stat('mean', 'Mean event-loop delay since the last scrape, in seconds.', h.mean);
    w.single(
      'nodejs_eventloop_lag_stddev_seconds',
      'gauge',
      'Standard deviation of the event-loop delay since the last scrape, in seconds.',
      h.stddev / 1e9,
    );
    stat('p50', 'Median event-loop delay since the last scrape, in seconds.', h.percentile(50));
    stat('p90', '90th percentile of the event-loop delay since the last scrape.', h.percentile(90));
    stat('p99', '99th percentile of the event-loop delay since the last scrape.', h.percentile(99));
    h.reset();
  }

  private collectHeapSpaces(w: Exposition): void {
    const spaces = getHeapSpaceStatistics();
    const name = (s: string) => (s.endsWith('_space') ? s.slice(0, -'_space'.length) : s);
    const each = (metric: string, help: string, pick: (s: (typeof spaces)[number]) => number) => {
      w.family(metric, 'gauge', help);
      for (const s of spaces) w.sample([['space', name(s.space_name)]], pick(s));
    };
    each('nodejs_heap_space_size_total_bytes', 'V8 heap space size in bytes.', (s) => s.space_size);
    each('nodejs_heap_space_size_used_bytes', 'V8 heap space used in bytes.', (s) => s.space_used_size);
    each(
      'nodejs_heap_space_size_available_bytes',
      'V8 heap space available in bytes.',
      (s) => s.space_available_size,
    );
  }

  private collectResources(w: Exposition): void {
    const counts = new Map<string, number>();
    for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
    w.family('nodejs_active_resources', 'gauge', 'Resources keeping the event loop alive, by type.');
    for (const [type, n] of [...counts].sort()) w.sample([['type', type]], n);
  }

  private collectGc(w: Exposition): void {
    w.family('nodejs_gc_duration_seconds', 'histogram', 'Garbage collection pauses by kind, in seconds.');
    for (const [kind, k] of [...monitors.gc].sort()) {
      GC_BUCKETS_SECONDS.forEach((le, i) => {
        w.sample(
          [
            ['kind', kind],
            ['le', le],
          ],
          k.buckets[i],
          '_bucket',
        );
      });
      w.sample(
        [
          ['kind', kind],
          ['le', '+Inf'],
        ],
        k.count,
        '_bucket',
      );
      w.sample([['kind', kind]], k.sumSeconds, '_sum');
      w.sample([['kind', kind]], k.count, '_count');
    }
  }
}
