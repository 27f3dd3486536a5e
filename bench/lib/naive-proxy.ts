/**
 * The reference "naive Node proxy" from the issue: http.request per request, pipe both ways,
 * no hop-by-hop handling, no checks. Not for use, only a baseline for what Node's http
 * module costs. Usage: PORT
 */
import { Agent, createServer, request } from 'node:http';
import { connect } from 'node:net';

const agent = new Agent({ keepAlive: true, maxFreeSockets: 256 });
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '');
  const up = request(
    {
      agent,
      host: url.hostname,
      port: url.port || 80,
      path: url.pathname + url.search,
      method: req.method,
      headers: req.headers,
    },
    (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    },
  );
  up.on('error', () => res.destroy());
  req.pipe(up);
});
server.on('connect', (req, socket, head) => {
  const [host = '', port = '443'] = (req.url ?? '').split(':');
  const up = connect(Number(port), host, () => {
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    up.write(head);
    up.pipe(socket);
    socket.pipe(up);
  });
  up.on('error', () => socket.destroy());
  socket.on('error', () => up.destroy());
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1');
