/**
 * The Node peer for the reverse bench: a minimal reverse proxy on the `http-proxy` package,
 * round-robin over the backends, keep-alive to them. Usage: PORT BACKEND_URL...
 */
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';

interface HttpProxy {
  web(req: IncomingMessage, res: ServerResponse, opts: { target: string }, onError: (err: Error) => void): void;
}
// http-proxy ships no types and is a dev dependency of the bench only
const httpProxy = createRequire(import.meta.url)('http-proxy') as { createProxyServer(o: object): HttpProxy };

const [port = '0', ...backends] = process.argv.slice(2);
const proxy = httpProxy.createProxyServer({ agent: new Agent({ keepAlive: true, maxSockets: 1024 }) });
let turn = 0;
const server = createServer((req, res) => {
  const target = backends[turn++ % backends.length]!;
  proxy.web(req, res, { target }, () => {
    res.statusCode = 502;
    res.end();
  });
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`http-proxy listening on ${port}\n`));
process.on('SIGTERM', () => process.exit(0));
