// The in-run ceiling for bench:broker: the least a Node.js broker could do with the same bytes —
// receive frames over loopback, append them to a file, answer each with a few bytes (produce);
// or answer each request with a slice of that file (consume).
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { FrameCutter } from '../../src/protocol/frame-cutter.js';

const file = process.argv[2];
const fd = openSync(file, 'a+');
let written = 0;

const server = createServer((socket) => {
  const cutter = new FrameCutter(1 << 30);
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
      } else {
        // A "fetch": the payload asks for N bytes from position P.
        const want = r.frame.readInt32BE(8);
        const position = r.frame.readInt32BE(12) % Math.max(1, written - want);
        const out = Buffer.allocUnsafe(4 + want);
        out.writeInt32BE(want, 0);
        readSync(fd, out, 4, want, position);
        replies.push(out);
      }
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
