import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import {
  constants,
  createSecureServer,
  type Http2SecureServer,
  type Http2Session,
  type ServerHttp2Session,
} from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import * as packet from 'dns-packet';
import { selfSignedInto } from '../../bench/lib/self-signed.js';
import { queryPrivacy } from '../../proxy-core/src/dns/dns-message.js';

/** The resolvers' certificate name: Veil must verify it while dialing 127.0.0.1 (bootstrap). */
export const RESOLVER_NAME = 'resolver.veil-test';

/** Records a test zone serves: A and AAAA by name, with one TTL. Names not here are NXDOMAIN. */
export interface Zone {
  [name: string]: { A?: string[]; AAAA?: string[]; ttl?: number };
}

/** What a server saw of one query. */
export interface SeenQuery {
  name: string;
  type: string;
  id: number;
  /** Wire length of the query. */
  length: number;
  padded: number | null;
  clientSubnet: boolean;
  /** HTTP request headers (DoH only). */
  headers?: Record<string, string | string[] | undefined>;
}

export interface TestResolver {
  port: number;
  /** `https://resolver.veil-test:PORT/dns-query` or `tls://resolver.veil-test:PORT`. */
  url: string;
  seen: SeenQuery[];
  /** TLS connections (DoT) or HTTP/2 sessions (DoH) accepted. */
  connections: number;
  /** While true, every query is answered SERVFAIL. */
  failing: boolean;
  /**
   * After this many answers on a connection, the next query on it is dropped and the connection
   * closed (DoT) or the stream refused and the session closed (DoH): a server going away with a
   * query in flight, as servers closing idle connections do.
   */
  closeAfter: number | null;
  close(): Promise<void>;
}

let certCache: { key: string; cert: string; caFile: string; dir: string } | null = null;

/** A self-signed certificate for RESOLVER_NAME (only), as a PEM file to pass with --dns-ca. */
export function resolverCert(): { key: string; cert: string; caFile: string } {
  if (certCache) return certCache;
  const dir = mkdtempSync(join(tmpdir(), 'veil-dns-cert-'));
  const { key, cert } = selfSignedInto(dir, { commonName: RESOLVER_NAME, subjectAltName: `DNS:${RESOLVER_NAME}` });
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, cert);
  certCache = { key, cert, caFile, dir };
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return certCache;
}

/** Answers one query from the zone: NOERROR with records, or NXDOMAIN/no data with an SOA (minimum 60 s). */
export function answerFrom(zone: Zone, query: Buffer, failing: boolean): Buffer {
  const q = packet.decode(query);
  const question = q.questions![0]!;
  const base = { type: 'response' as const, id: q.id ?? 0, questions: q.questions! };
  if (failing) return packet.encode({ ...base, flags: packet.RECURSION_AVAILABLE | 2 });
  const entry = zone[question.name.toLowerCase()];
  const records = entry?.[question.type as 'A' | 'AAAA'] ?? [];
  if (entry && records.length) {
    return packet.encode({
      ...base,
      flags: packet.RECURSION_AVAILABLE,
      answers: records.map((data) => ({
        type: question.type as 'A',
        name: question.name,
        ttl: entry.ttl ?? 300,
        data,
      })),
    });
  }
  return packet.encode({
    ...base,
    flags: packet.RECURSION_AVAILABLE | (entry ? 0 : 3),
    authorities: [
      {
        type: 'SOA',
        name: 'veil-test',
        ttl: 3600,
        data: {
          mname: 'ns.veil-test',
          rname: 'admin.veil-test',
          serial: 1,
          refresh: 60,
          retry: 60,
          expire: 60,
          minimum: 60,
        },
      },
    ],
  });
}

function record(seen: SeenQuery[], wire: Buffer, headers?: SeenQuery['headers']): void {
  const q = packet.decode(wire);
  const p = queryPrivacy(wire);
  seen.push({
    name: q.questions![0]!.name,
    type: q.questions![0]!.type,
    id: p.id,
    length: wire.length,
    padded: p.padded,
    clientSubnet: p.clientSubnet,
    ...(headers ? { headers } : {}),
  });
}

/** A DoH server (HTTP/2 only, RFC 8484 POST) on 127.0.0.1. */
export async function startDohServer(zone: Zone): Promise<TestResolver> {
  const { key, cert } = resolverCert();
  const server: Http2SecureServer = createSecureServer({ key, cert, allowHTTP1: false });
  const sessions = new Set<ServerHttp2Session>();
  const state: TestResolver = {
    port: 0,
    url: '',
    seen: [],
    connections: 0,
    failing: false,
    closeAfter: null,
    async close() {
      for (const s of sessions) s.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const sockets = new Set<Socket>();
  server.on('connection', (sock: Socket) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
  });
  server.on('session', (s) => {
    state.connections++;
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  const answered = new WeakMap<Http2Session, number>();
  server.on('stream', (stream, headers) => {
    // a refused stream reports its own close code as an error; it is the point here
    stream.on('error', () => {});
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      if (headers[':method'] !== 'POST' || headers['content-type'] !== 'application/dns-message') {
        stream.respond({ ':status': 415 });
        stream.end();
        return;
      }
      const wire = Buffer.concat(chunks);
      const session = stream.session!;
      const n = answered.get(session) ?? 0;
      if (state.closeAfter !== null && n >= state.closeAfter) {
        stream.close(constants.NGHTTP2_REFUSED_STREAM);
        session.close();
        return;
      }
      answered.set(session, n + 1);
      record(state.seen, wire, { ...headers });
      stream.respond({ ':status': 200, 'content-type': 'application/dns-message' });
      stream.end(answerFrom(zone, wire, state.failing));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.port = (server.address() as AddressInfo).port;
  state.url = `https://${RESOLVER_NAME}:${state.port}/dns-query`;
  return state;
}

/** A DoT server on 127.0.0.1; answers each framed query as it completes (pipelining allowed). */
export async function startDotServer(zone: Zone): Promise<TestResolver> {
  const { key, cert } = resolverCert();
  const server: TlsServer = createTlsServer({ key, cert });
  const sockets = new Set<Socket>();
  const state: TestResolver = {
    port: 0,
    url: '',
    seen: [],
    connections: 0,
    failing: false,
    closeAfter: null,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  server.on('secureConnection', (socket) => {
    state.connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    let answeredHere = 0;
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const wire = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + wire.length);
        if (state.closeAfter !== null && answeredHere >= state.closeAfter) {
          socket.destroy();
          return;
        }
        answeredHere++;
        record(state.seen, wire);
        const answer = answerFrom(zone, wire, state.failing);
        const framed = Buffer.alloc(2 + answer.length);
        framed.writeUInt16BE(answer.length, 0);
        answer.copy(framed, 2);
        socket.write(framed);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.port = (server.address() as AddressInfo).port;
  state.url = `tls://${RESOLVER_NAME}:${state.port}`;
  return state;
}
