// Waiting for a condition in tests: poll until it holds, fail with what was last seen.

/**
 * Calls `probe` every 100 ms until `ok` holds for its value, and returns that value. A probe that throws
 * counts as "not yet" (clusters under faults answer with errors for a while); at the deadline the error
 * names `what` and the last value or error seen.
 */
export async function until<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: string;
    try {
      const v = await probe();
      if (ok(v)) return v;
      last = JSON.stringify(v);
    } catch (err) {
      last = String(err);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
