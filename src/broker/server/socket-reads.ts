// Reading an accepted TCP or TLS socket into buffers the broker chooses, as net.Socket's `onread` option does.
//
// By default Node reads every socket into a fresh 64 KiB buffer per read, handed over as a 'data'
// chunk. Under a producer such as kcat -P that is a new external buffer for each 64 KiB received (the
// collector then runs a full mark-compact every few dozen megabytes), a trip through the stream
// machinery for each, and a copy of the chunks into the request's frame. The `onread` option
// ({ buffer, callback }) avoids all three, but only the net.Socket constructor takes it:
// net.createServer has no such option (Node 20 through the current release document none), and the
// sockets it accepts are constructed inside net.js. So this sets, on a socket just accepted, the three
// fields that constructor sets for `onread` (private symbols of net.js, found by their descriptions)
// and hands the socket's handle its first buffer, which is what the constructor then does. From there
// on Node's own code (onStreamRead, pause, resume) runs its documented `onread` branch.
//
// TLS sockets qualify too, once their handshake is done (the server's 'secureConnection'): their handle
// decrypts each record into the buffer given, as tls.connect's own `onread` option has it do, instead
// of into a new 16 KiB buffer per record (a produce over TLS: broker CPU per MB about 3.8-4.1 -> 2.7-3.1
// in bench:security, against 2.3-3.0 over plaintext). A socket qualifies only when every piece is where
// Node 12 to 24 keep it and nothing has been read yet; otherwise `readInto` returns false and the caller
// reads 'data' events as before. SAMSA_SOCKET_READS=data forces that path (tests, and a way
// out should a Node release break this).
import type { Socket } from 'node:net';

type ReadCallback = (bytes: number) => void;

interface Hooks {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}

function hooksOf(socket: Socket): Hooks | null {
  const symbols = Object.getOwnPropertySymbols(socket);
  const find = (description: string) => symbols.find((s) => s.description === description);
  const buffer = find('kBuffer');
  const callback = find('kBufferCb');
  const generator = find('kBufferGen');
  return buffer && callback && generator ? { buffer, callback, generator } : null;
}

/** Whether sockets are read into the caller's buffers at all (SAMSA_SOCKET_READS=data: never). */
export const directReadsEnabled = process.env.SAMSA_SOCKET_READS !== 'data';

/**
 * Makes `socket` read into the buffer `target()` returns (called before each read), calling
 * `received(n)` once `n` bytes have landed at its start; 'data' events stop. False, and nothing
 * changed, when the socket does not qualify.
 */
export function readInto(socket: Socket, target: () => Buffer, received: ReadCallback): boolean {
  if (!directReadsEnabled) return false;
  const s = socket as unknown as Record<PropertyKey, unknown> & {
    _handle?: { useUserBuffer?: (buf: Uint8Array) => void; reading?: boolean } | null;
  };
  const handle = s._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function') return false;
  if (socket.readableLength > 0 || socket.listenerCount('data') > 0) return false;
  const hooks = hooksOf(socket);
  // Unset (null) on a socket created without `onread`; anything else means the layout is not known.
  if (!hooks || s[hooks.buffer] !== null || s[hooks.callback] !== null || s[hooks.generator] !== null)
    return false;
  const first = target();
  s[hooks.generator] = target;
  s[hooks.callback] = (bytes: number) => {
    received(bytes);
  };
  s[hooks.buffer] = first;
  handle.useUserBuffer(first);
  return true;
}
