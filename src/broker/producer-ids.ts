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

  /** The next id; rejects with ProducerIdsUnavailable when the controller could not give a block. */
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
    const block = await this.controller.allocateProducerIds(this.nodeId, PRODUCER_ID_BLOCK_SIZE);
    if ('errorCode' in block) throw new ProducerIdsUnavailable(block.errorCode);
    this.next = block.first;
    this.end = block.first + block.length;
  }
}

/** No block of producer ids could be had (no active controller reachable): the caller answers with the code. */
export class ProducerIdsUnavailable extends Error {
  constructor(readonly errorCode: number) {
    super(`no producer id block: error ${errorCode}`);
  }
}
