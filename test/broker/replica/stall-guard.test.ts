// The stall guard (node-replication.ts): after the process stood still, no leading until a heartbeat
// sent after the stall is answered and the metadata image has reached the controller's high watermark.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Logger } from '../../../src/broker/logger.js';
import { StallGuard } from '../../../src/broker/node-replication.js';

function standStill(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {}
}

test('after a stall: no leading until a later heartbeat is answered and the image reaches the high watermark', async () => {
  const lifecycle = { state: 'unfenced', lastAnsweredSentAtMs: Date.now() };
  let applied = 4;
  let answer: (hw: number | null) => void = () => {};
  let asked = 0;
  const guard = new StallGuard(
    400,
    100,
    () => lifecycle,
    Logger.silent(),
    {
      quorumHighWatermark: () => {
        asked++;
        return new Promise((resolve) => {
          answer = resolve;
        });
      },
      appliedOffset: () => applied,
    },
    50,
  );
  try {
    assert.equal(guard.mayLead(), true);
    standStill(400);
    assert.equal(guard.mayLead(), false, 'stalled: a heartbeat from before the stall does not count');
    lifecycle.lastAnsweredSentAtMs = Date.now() + 1;
    assert.equal(guard.mayLead(), false, 'the controller is asked for its high watermark');
    assert.equal(asked, 1);
    answer(null);
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(guard.mayLead(), false, 'no answer: asked again');
    assert.equal(asked, 2);
    answer(10);
    await Promise.resolve();
    assert.equal(guard.mayLead(), false, 'the image is behind (offset 4 < 9)');
    applied = 9;
    assert.equal(
      guard.mayLead(),
      true,
      'the image has the last committed record (offset 9, high watermark 10)',
    );
    lifecycle.state = 'fenced';
    assert.equal(guard.mayLead(), false, 'fenced');
  } finally {
    guard.close();
  }
});
