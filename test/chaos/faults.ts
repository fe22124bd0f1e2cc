// Carries out a fault schedule against a lab cluster: each fault starts at its moment and ends after
// its duration, with a `fault` event in the history for both. Faults that would hit a node another
// fault already holds down are skipped (and said so), so each window has one cause.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultEvent, HistoryWriter } from './history.js';
import type { LabCluster, LabNode } from './nodes.js';
import type { FaultNet } from './proxy.js';
import type { ScheduledFault } from './schedule.js';

export class FaultRunner {
  /** Faults that started and have not ended. */
  private readonly active = new Map<number, ScheduledFault>();
  readonly skipped: ScheduledFault[] = [];
  /** Faults whose time came after the workload ended (pushed back by slow ones before them). */
  readonly notRun: ScheduledFault[] = [];
  readonly problems: string[] = [];

  constructor(
    private readonly cluster: LabCluster,
    private readonly net: FaultNet,
    private readonly history: HistoryWriter,
  ) {}

  private event(f: ScheduledFault, phase: 'start' | 'end'): void {
    this.history.record<FaultEvent>({ type: 'fault', id: f.id, kind: f.kind, target: f.target, phase });
  }

  /**
   * Runs every fault of `schedule` (times from `startMs`) until done or `signal` aborts. A fault's
   * time is the earliest it starts: with `concurrency` faults under way (a restart that is slow to
   * come back, say), the next one waits for one of them to end, so faults never pile up.
   */
  async run(
    schedule: readonly ScheduledFault[],
    startMs: number,
    signal: AbortSignal,
    concurrency = 1,
  ): Promise<void> {
    const running = new Set<Promise<void>>();
    // How late the faults run: a fault that ended after its scheduled end (a slow restart) pushes the
    // ones after it back as much, so the calm gaps of the schedule stay calm.
    let lateMs = 0;
    for (const f of schedule) {
      for (;;) {
        const wait = startMs + f.atMs + lateMs - Date.now();
        if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => {});
        if (running.size < concurrency || signal.aborted) break;
        await Promise.race(running);
      }
      if (signal.aborted) {
        this.notRun.push(f);
        continue;
      }
      const scheduledEnd = startMs + f.atMs + lateMs + f.durationMs;
      const p: Promise<void> = this.one(f, signal).finally(() => {
        running.delete(p);
        lateMs = Math.max(lateMs, Date.now() - scheduledEnd);
      });
      running.add(p);
    }
    await Promise.all(running);
  }

  private busy(f: ScheduledFault): boolean {
    for (const a of this.active.values()) {
      if (a.nodes.some((n) => f.nodes.includes(n))) return true;
    }
    return false;
  }

  private async one(f: ScheduledFault, signal: AbortSignal): Promise<void> {
    const nodes = f.nodes.map((n) => this.cluster.node(`n${n}`));
    if (this.busy(f) || nodes.some((n) => n.state === 'down')) {
      this.skipped.push(f);
      return;
    }
    this.active.set(f.id, f);
    this.event(f, 'start');
    try {
      await this.begin(f, nodes);
      if (f.durationMs > 0) await sleep(f.durationMs, undefined, { signal }).catch(() => {});
      await this.finish(f, nodes);
    } catch (err) {
      this.problems.push(`fault ${f.id} (${f.kind} ${f.target}): ${(err as Error).message}`);
    } finally {
      this.active.delete(f.id);
      this.event(f, 'end');
    }
  }

  private pairs(f: ScheduledFault, bothWays: boolean): [string, string][] {
    const out: [string, string][] = [];
    for (const a of f.from ?? []) {
      for (const b of f.to ?? []) {
        out.push([a, b]);
        if (bothWays) out.push([b, a]);
      }
    }
    return out;
  }

  private async begin(f: ScheduledFault, nodes: LabNode[]): Promise<void> {
    const node = nodes[0];
    switch (f.kind) {
      case 'kill':
        return node.kill();
      case 'pause':
        return node.pause();
      case 'restart':
        await node.stop();
        return node.start();
      case 'disk':
        if (!node.disk) throw new Error('the node has no small disk (start the lab with disk faults)');
        node.disk.fill();
        return;
      case 'slow':
        for (const other of [...this.cluster.nodes.map((n) => n.name), 'clients']) {
          if (other === node.name) continue;
          this.net.setFlow(node.name, other, { delayMs: f.delayMs ?? 100 });
          this.net.setFlow(other, node.name, { delayMs: f.delayMs ?? 100 });
        }
        return;
      case 'partition':
      case 'oneway':
        for (const [a, b] of this.pairs(f, f.kind === 'partition')) {
          this.net.setFlow(a, b, { mode: f.mode ?? 'stall' });
        }
        return;
    }
  }

  private async finish(f: ScheduledFault, nodes: LabNode[]): Promise<void> {
    const node = nodes[0];
    switch (f.kind) {
      case 'kill':
        return node.start();
      case 'pause':
        return node.resume();
      case 'restart':
        return;
      case 'disk':
        // Kafka takes a log dir that failed offline until the broker restarts: free the space and
        // restart, as an operator would.
        node.disk?.free();
        await node.stop();
        return node.start();
      case 'slow': {
        const pairs: [string, string][] = [];
        for (const other of [...this.cluster.nodes.map((n) => n.name), 'clients']) {
          if (other !== node.name) pairs.push([node.name, other], [other, node.name]);
        }
        this.net.clearFlows(pairs);
        return;
      }
      case 'partition':
      case 'oneway':
        this.net.clearFlows(this.pairs(f, f.kind === 'partition'), { resetAll: f.resetOnHeal });
        return;
    }
  }

  /** Ends every fault at once: network healed, paused nodes resumed, disks freed, down nodes started. */
  async healAll(): Promise<void> {
    this.net.heal();
    for (const n of this.cluster.nodes) {
      n.disk?.free();
      if (n.state === 'paused') n.resume();
    }
    await Promise.all(
      this.cluster.nodes
        .filter((n) => n.state === 'down')
        .map((n) =>
          n.start().catch((err: Error) => {
            this.problems.push(`${n.name} did not restart after the faults: ${err.message}`);
          }),
        ),
    );
  }
}
