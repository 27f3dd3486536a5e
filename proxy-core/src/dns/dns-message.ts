import * as packet from 'dns-packet';

/** Queries are padded to a multiple of this (RFC 8467's recommended block length for clients). */
export const PADDING_BLOCK = 128;

/** RFC 2308 §5: negative answers are kept one to three hours at most. */
export const MAX_NEGATIVE_TTL_S = 3 * 3600;

export type AddressType = 'A' | 'AAAA';

/**
 * A query for one name and type: no client-subnet option (it would tell the resolver's
 * upstreams where the user is), EDNS padding so its length says little about the name.
 * DoH sends id 0 (RFC 8484 §4.1: cache-friendly, and nothing to correlate); DoT needs ids to
 * match pipelined answers.
 */
export function encodeQuery(name: string, type: AddressType, id: number): Buffer {
  const opt = (length: number): packet.OptAnswer =>
    ({
      type: 'OPT',
      name: '.',
      udpPayloadSize: 1232,
      extendedRcode: 0,
      ednsVersion: 0,
      flags: 0,
      flag_do: false,
      options: [{ code: 12, length }],
    }) as unknown as packet.OptAnswer;
  const query = (length: number): packet.Packet => ({
    type: 'query',
    id,
    flags: packet.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
    additionals: [opt(length)],
  });
  const bare = packet.encodingLength(query(0));
  return packet.encode(query((PADDING_BLOCK - (bare % PADDING_BLOCK)) % PADDING_BLOCK));
}

/** What an answer says about one name and type. */
export type DnsAnswer =
  | { kind: 'addresses'; addresses: string[]; ttl: number }
  /** NXDOMAIN or no data; `ttl` from the SOA (RFC 2308), null when there was none (not cacheable). */
  | { kind: 'negative'; nxdomain: boolean; ttl: number | null }
  /** SERVFAIL, REFUSED, a truncated or mismatched answer: ask another server. */
  | { kind: 'failure'; reason: string };

const RCODE_NOERROR = 0;
const RCODE_NXDOMAIN = 3;
const RCODE_NAMES: Record<number, string> = { 1: 'FORMERR', 2: 'SERVFAIL', 4: 'NOTIMP', 5: 'REFUSED' };

/** Reads an answer to `encodeQuery(name, type)`. */
export function decodeAnswer(wire: Buffer, name: string, type: AddressType): DnsAnswer {
  let msg: packet.DecodedPacket;
  try {
    msg = packet.decode(wire);
  } catch (err) {
    return { kind: 'failure', reason: `malformed answer (${(err as Error).message})` };
  }
  const flags = msg.flags ?? 0;
  if (flags & packet.TRUNCATED_RESPONSE) return { kind: 'failure', reason: 'truncated answer' };
  const q = msg.questions?.[0];
  if (!q || q.name.toLowerCase() !== name.toLowerCase() || q.type !== type) {
    return { kind: 'failure', reason: 'the answer is for another question' };
  }
  const rcode = (flags & 0xf) as number;
  if (rcode !== RCODE_NOERROR && rcode !== RCODE_NXDOMAIN) {
    return { kind: 'failure', reason: `the server answered ${RCODE_NAMES[rcode] ?? `rcode ${rcode}`}` };
  }
  const answers = msg.answers ?? [];
  const addresses = answers.filter((a) => a.type === type).map((a) => String((a as packet.StringAnswer).data));
  if (rcode === RCODE_NOERROR && addresses.length > 0) {
    // the whole answer set (CNAME chain included) expires with its shortest-lived record
    const ttl = Math.min(...answers.map((a) => ('ttl' in a && typeof a.ttl === 'number' ? a.ttl : 0)));
    return { kind: 'addresses', addresses, ttl };
  }
  return { kind: 'negative', nxdomain: rcode === RCODE_NXDOMAIN, ttl: negativeTtl(msg) };
}

/** RFC 2308 §5: the lesser of the SOA's own TTL and its MINIMUM field, capped. */
function negativeTtl(msg: packet.DecodedPacket): number | null {
  const soa = (msg.authorities ?? []).find((a) => a.type === 'SOA') as packet.SoaAnswer | undefined;
  if (!soa) return null;
  const minimum = soa.data.minimum ?? 0;
  return Math.min(soa.ttl ?? 0, minimum, MAX_NEGATIVE_TTL_S);
}

/** Reads the padding length and whether a client-subnet option is present in a query (tests, servers). */
export function queryPrivacy(wire: Buffer): { id: number; padded: number | null; clientSubnet: boolean } {
  const msg = packet.decode(wire);
  const opt = (msg.additionals ?? []).find((a) => a.type === 'OPT') as packet.OptAnswer | undefined;
  const options = opt?.options ?? [];
  const pad = options.find((o) => o.code === 12);
  return {
    id: msg.id ?? -1,
    padded: pad ? (pad.data?.length ?? 0) : null,
    clientSubnet: options.some((o) => o.code === 8),
  };
}
