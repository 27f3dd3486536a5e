import type { ProxyEngine } from '../proxy/create-proxy.js';
import { redactUpstreamUrl } from '../proxy/upstream-url.js';
import type { TrafficCounters } from '../traffic/traffic-counters.js';
import type { Notice, Status } from './contract.js';
import type { Feature } from './feature.js';
import type { Settings } from './settings-schema.js';

/** The service's status: what the engine runs now, with each feature's part (system proxy, DNS, reverse…). */
export function statusOf(o: {
  settings: Settings;
  proxy: ProxyEngine | null;
  counters: TrafficCounters;
  notices: readonly Notice[];
  listenError: string | undefined;
  features: readonly Feature[];
}): Status {
  const s = o.settings;
  const st: Status = {
    running: o.proxy !== null,
    listening: o.proxy?.address ?? null,
    transparent: o.proxy?.transparentAddress ?? null,
    profile: s.privacy.profile,
    upstream: { name: s.upstream.default ? redactUpstreamUrl(s.upstream.default) : 'direct', reachable: null },
    systemProxy: { active: false, platform: 'unsupported', mode: s.systemProxy.mode },
    counters: o.counters.snapshot(),
    trafficPaused: false,
    notices: [...o.notices],
  };
  if (o.listenError) st.error = o.listenError;
  for (const f of o.features) Object.assign(st, f.status?.());
  return st;
}
