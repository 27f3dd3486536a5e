import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';

/** Opens `CONNECT host:port` on the proxy and returns the raw tunnel once it says 200. */
export async function openConnect(proxyPort: number, authority: string): Promise<Socket> {
  const socket = netConnect(proxyPort, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  let head = '';
  while (!head.includes('\r\n\r\n')) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    head += chunk.toString('latin1');
  }
  if (!head.startsWith('HTTP/1.1 200')) throw new Error(`CONNECT refused: ${head.split('\r\n')[0]}`);
  return socket;
}

/** TLS inside a CONNECT tunnel; resolves once the handshake is done (or rejects with its error). */
export async function tlsThrough(
  proxyPort: number,
  authority: string,
  opts: { ca?: string | string[]; servername?: string; ALPNProtocols?: string[]; rejectUnauthorized?: boolean },
): Promise<TLSSocket> {
  const raw = await openConnect(proxyPort, authority);
  // the name checked against the certificate: the CONNECT host, as a browser would
  const host = authority.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const socket = tlsConnect({ socket: raw, host, ...opts });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Sends one HTTP/1.1 GET on a TLS socket and reads the whole answer (Connection: close). */
export async function getOver(socket: TLSSocket, host: string, path = '/'): Promise<string> {
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  let text = '';
  socket.on('data', (d: Buffer) => {
    text += d.toString();
  });
  await once(socket, 'end');
  return text;
}
