import type { ExchangePolicy } from '../proxy/exchange-policy.js';
import type { ReceiptEntry } from '../proxy/exchange-record.js';

/**
 * Composes features' policy parts in order: the first block decision wins, rewrites run in
 * order and their receipts concatenate. One part (the usual case) is handed through as it
 * is, since the result runs for every request.
 */
export function composePolicy(parts: Array<Partial<ExchangePolicy>>): ExchangePolicy {
  const pick = <K extends keyof ExchangePolicy>(k: K) =>
    parts.map((p) => p[k]).filter((x): x is NonNullable<ExchangePolicy[K]> => !!x);
  const profileFor = pick('profileFor');
  const checkRequest = pick('checkRequest');
  const rewriteRequest = pick('rewriteRequest');
  const checkResponse = pick('checkResponse');
  const rewriteResponse = pick('rewriteResponse');
  const policy: ExchangePolicy = {};
  if (profileFor.length) policy.profileFor = profileFor[0]!;
  if (checkRequest.length === 1) policy.checkRequest = checkRequest[0]!;
  else if (checkRequest.length)
    policy.checkRequest = (f) => {
      for (const c of checkRequest) {
        const d = c(f);
        if (d) return d;
      }
      return null;
    };
  if (rewriteRequest.length === 1) policy.rewriteRequest = rewriteRequest[0]!;
  else if (rewriteRequest.length)
    policy.rewriteRequest = (f, h) => {
      const out: ReceiptEntry[] = [];
      for (const r of rewriteRequest) for (const e of r(f, h)) out.push(e);
      return out;
    };
  if (checkResponse.length === 1) policy.checkResponse = checkResponse[0]!;
  else if (checkResponse.length)
    policy.checkResponse = (f, s, h) => {
      for (const c of checkResponse) {
        const d = c(f, s, h);
        if (d) return d;
      }
      return null;
    };
  if (rewriteResponse.length === 1) policy.rewriteResponse = rewriteResponse[0]!;
  else if (rewriteResponse.length)
    policy.rewriteResponse = (f, s, h) => {
      const out: ReceiptEntry[] = [];
      for (const r of rewriteResponse) for (const e of r(f, s, h)) out.push(e);
      return out;
    };
  return policy;
}
