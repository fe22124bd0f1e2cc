// Loads an optional native (or WASM) codec package. A package that does not load on this
// platform leaves its codec unavailable instead of breaking every importer of the protocol.
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
