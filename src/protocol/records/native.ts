// Loads an optional native codec package on first use. Loading costs several milliseconds per
// package, which a process that never meets snappy or lz4 should not pay at start-up; and a
// package without a binary for this platform leaves its codec unavailable instead of breaking
// every importer of the protocol.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface Loaded<T> {
  module: T | null;
  /** Why it did not load, for the error a caller sees when it needs the codec. */
  failure: string;
}

export function loadOptional<T>(name: string): Loaded<T> {
  try {
    return { module: require(name) as T, failure: '' };
  } catch (e) {
    return { module: null, failure: `package ${name} did not load: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** loadOptional on the first call, then the same answer. */
export function lazyOptional<T>(name: string): () => Loaded<T> {
  let loaded: Loaded<T> | undefined;
  return () => {
    loaded ??= loadOptional<T>(name);
    return loaded;
  };
}
