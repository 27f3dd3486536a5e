import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as packet from 'dns-packet';
import { selfSignedInto } from './self-signed.js';

export const BENCH_ZONE = 'bench-dns.test';
export const RESOLVER_NAME = 'resolver.bench-dns.test';

/** Any name under the bench zone is 127.0.0.1 (A) with a 300 s TTL; AAAA has no data. */
function answer(query: Buffer): Buffer {
  const q = packet.decode(query);
  const question = q.questions![0]!;
  const ours = question.name.toLowerCase().endsWith(BENCH_ZONE);
  const base = { type: 'response' as const, id: q.id ?? 0, questions: q.questions!, flags: packet.RECURSION_AVAILABLE };
  if (ours && question.type === 'A') {
    return packet.encode({ ...base, answers: [{ type: 'A', name: question.name, ttl: 300, data: '127.0.0.1' }] });
  }
  return packet.encode({
    ...base,
    flags: packet.RECURSION_AVAILABLE | (ours ? 0 : 3),
    authorities: [
      {
        type: 'SOA',
        name: BENCH_ZONE,
        ttl: 300,
        data: { mname: 'ns', rname: 'admin', serial: 1, refresh: 60, retry: 60, expire: 60, minimum: 300 },
      },
    ],
  });
}

export interface BenchResolvers {
  /** `nameserver` address for resolv.conf (port 53). */
  udpAddress: string;
  dohUrl: string;
  caFile: string;
  close(): Promise<void>;
}

/** Starts both servers; the UDP one needs port 53 (root) on a loopback address of its own. */
export async function startBenchResolvers(dir: string, udpAddress = '127.53.0.1'): Promise<BenchResolvers> {
  // a folder of its own: the scratch directory is shared by every scenario
  const certDir = join(dir, 'dns-resolver-cert');
  mkdirSync(certDir, { recursive: true });
  const { key, cert } = selfSignedInto(certDir, {
    commonName: RESOLVER_NAME,
    subjectAltName: `DNS:${RESOLVER_NAME}`,
    days: 1,
  });
  const caFile = join(dir, 'dns-ca.pem');
  writeFileSync(caFile, cert);
  const udp: UdpSocket = createSocket('udp4');
  udp.on('message', (msg, rinfo) => udp.send(answer(msg), rinfo.port, rinfo.address));
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(53, udpAddress, () => resolve());
  });
  const doh = createSecureServer({ key, cert });
  doh.on('stream', (stream) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/dns-message' });
      stream.end(answer(Buffer.concat(chunks)));
    });
  });
  await new Promise<void>((r) => doh.listen(0, '127.0.0.1', r));
  const port = (doh.address() as AddressInfo).port;
  return {
    udpAddress,
    dohUrl: `https://${RESOLVER_NAME}:${port}/dns-query`,
    caFile,
    async close() {
      udp.close();
      await new Promise<void>((r) => doh.close(() => r()));
    },
  };
}
