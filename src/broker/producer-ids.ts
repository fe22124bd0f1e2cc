// Hands out producer ids for idempotent and transactional producers from blocks reserved through the
// controller (ProducerIdsRecord), so ids stay unique across restarts without a write per producer.
import type { ControllerService } from './controller/controller-service.js';

export const PRODUCER_ID_BLOCK_SIZE = 1000;

export class ProducerIdManager {
  private next = 0;
  private end = 0;
  private pending: Promise<void> | null = null;

  constructor(
    private readonly controller: ControllerService,
    private readonly nodeId: number,
  ) {}

  async nextId(): Promise<number> {
    while (this.next >= this.end) {
      this.pending ??= this.reserve().finally(() => {
        this.pending = null;
      });
      await this.pending;
    }
    return this.next++;
  }

  /** An id now if the current block has one (refilling it in the background when it runs out). */
  take(): number | null {
    if (this.next < this.end) {
      const id = this.next++;
      if (this.next >= this.end) void this.ensureAvailable().catch(() => {});
      return id;
    }
    void this.ensureAvailable().catch(() => {});
    return null;
  }

  /** Resolves once `take()` can give an id. */
  async ensureAvailable(): Promise<void> {
    while (this.next >= this.end) {
      this.pending ??= this.reserve().finally(() => {
        this.pending = null;
      });
      await this.pending;
    }
  }

  private async reserve(): Promise<void> {
    const first = await this.controller.allocateProducerIds(this.nodeId, PRODUCER_ID_BLOCK_SIZE);
    this.next = first;
    this.end = first + PRODUCER_ID_BLOCK_SIZE;
  }
}
