/** The private-dns bench's resolvers: one zone served over UDP (for the system resolver) and over DoH. */
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as packet from 'dns-packet';

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
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${RESOLVER_NAME}`,
      '-addext',
      `subjectAltName=DNS:${RESOLVER_NAME}`,
      '-keyout',
      join(dir, 'dns-key.pem'),
      '-out',
      join(dir, 'dns-cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const key = readFileSync(join(dir, 'dns-key.pem'));
  const cert = readFileSync(join(dir, 'dns-cert.pem'));
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
