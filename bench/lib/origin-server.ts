/**
 * The bench origin, run as its own process so it does not share an event loop with the
 * proxy under test. It speaks just enough HTTP/1.1 to be fast: `/small` gets a canned
 * 13-byte answer, `/big` streams BIG_MB megabytes with backpressure. Usage: PORT [BIG_MB [HOST]]
 */
import { createServer, type Socket } from 'node:net';

const port = Number(process.argv[2] ?? 0);
const bigBytes = Number(process.argv[3] ?? 100) * 1024 * 1024;
const SMALL = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\nhello, world\n',
);
const BLOCK = Buffer.alloc(256 * 1024, 0x61);

function sendBig(socket: Socket, done: () => void): void {
  socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bigBytes}\r\n\r\n`);
  let sent = 0;
  const pump = (): void => {
    while (sent < bigBytes) {
      const n = Math.min(BLOCK.length, bigBytes - sent);
      sent += n;
      if (!socket.write(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n))) {
        socket.once('drain', pump);
        return;
      }
    }
    done();
  };
  pump();
}

const server = createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  let pending = '';
  let busy = false;
  const drainRequests = (): void => {
    while (!busy) {
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = pending.slice(0, end);
      pending = pending.slice(end + 4);
      const line = head.slice(0, head.indexOf('\r\n'));
      if (line.includes('/big')) {
        busy = true;
        sendBig(socket, () => {
          busy = false;
          drainRequests();
        });
      } else {
        socket.write(SMALL);
      }
    }
  };
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    drainRequests();
  });
});
server.listen(port, process.argv[4] ?? '127.0.0.1', () => {
  const addr = server.address() as { port: number };
  process.stdout.write(`origin listening on ${addr.port}\n`);
});
