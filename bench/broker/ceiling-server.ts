// The in-run ceiling for bench:broker: the least a Node.js broker could do with the same bytes —
// receive frames over loopback, append them to a file, answer each with a few bytes (produce);
// or answer each request with the next slice of that file, read sequentially as a consumer reads a
// backlog (consume). Read buffers are reused once the socket has taken their bytes, so the ceiling
// pays neither allocation nor garbage collection per request: the best plain Node.js can do.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { FrameCutter } from '../../src/protocol/frame-cutter.js';

const file = process.argv[2];
const fd = openSync(file, 'a+');
let written = 0;
const spare: Buffer[] = [];

function readBuffer(bytes: number): Buffer {
  const b = spare.pop();
  return b && b.length >= bytes ? b : Buffer.allocUnsafe(bytes);
}

const server = createServer((socket) => {
  const cutter = new FrameCutter(1 << 30);
  let cursor = 0;
  socket.on('data', (chunk: Buffer) => {
    cutter.push(chunk);
    const replies: Buffer[] = [];
    for (let r = cutter.next(); r.kind === 'frame'; r = cutter.next()) {
      const kind = r.frame.readInt16BE(0);
      if (kind === 0) {
        writeSync(fd, r.frame);
        written += r.frame.length;
        const ack = Buffer.alloc(12);
        ack.writeInt32BE(8, 0);
        replies.push(ack);
        continue;
      }
      // A "fetch" of N bytes: the next N bytes of the file, from the start again at its end.
      if (replies.length > 0) socket.write(Buffer.concat(replies.splice(0)));
      const want = Math.min(r.frame.readInt32BE(8), written);
      if (cursor + want > written) cursor = 0;
      const out = readBuffer(4 + want);
      out.writeInt32BE(want, 0);
      const got = readSync(fd, out, 4, want, cursor);
      cursor += got;
      socket.write(out.subarray(0, 4 + got), () => spare.push(out));
    }
    if (replies.length > 0) socket.write(replies.length === 1 ? replies[0] : Buffer.concat(replies));
  });
  socket.on('error', () => {});
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`ceiling ready ${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => {
  closeSync(fd);
  process.exit(0);
});
