// The error answer to any request now lives in src/protocol (the broker forwards requests and needs it
// too); the embedded broker's fault hooks and its public surface keep importing it from here.
export * from '../protocol/error-response.js';
