/**
 * The HTTPS bench origin, its own process: `/small` answers 13 bytes, `/big` streams BIG_MB
 * megabytes. Listens on 127.0.0.1 and on 127.0.0.2…127.0.0.(1+EXTRA), all loopback, so a
 * client can reach "new hosts" by address. Usage: CERT KEY PORT EXTRA BIG_MB
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [certFile, keyFile, portArg, extraArg, bigArg] = process.argv.slice(2);
const port = Number(portArg);
const bigBytes = Number(bigArg ?? 100) * 1024 * 1024;
const BLOCK = Buffer.alloc(256 * 1024, 0x61);
const options = { cert: readFileSync(certFile!), key: readFileSync(keyFile!), keepAliveTimeout: 60_000 };

function serve(host: string): void {
  const server = createServer(options, (req, res) => {
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bigBytes) });
      let sent = 0;
      const pump = (): void => {
        while (sent < bigBytes) {
          const n = Math.min(BLOCK.length, bigBytes - sent);
          sent += n;
          if (!res.write(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n))) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '13' });
    res.end('hello, world\n');
  });
  server.on('tlsClientError', () => undefined);
  server.listen(port, host);
}

serve('127.0.0.1');
for (let i = 0; i < Number(extraArg ?? 0); i++) serve(`127.0.0.${i + 2}`);
