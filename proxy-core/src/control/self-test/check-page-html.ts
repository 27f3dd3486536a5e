/** The host only Veil answers: reaching it proves the browser uses the proxy (`.invalid` never resolves, RFC 6761). */
export const CHECK_PAGE_HOST = 'veil.invalid';

/** True for veil.invalid and the canary names the page fetches (only Veil answers either). */
export function isCheckPageHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === CHECK_PAGE_HOST || h.endsWith('.canary.veil.invalid') || /^veilcanary-[a-z0-9]+$/.test(h);
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The page at http://veil.invalid/: the headers as this very request reached the "site" (after
 * Veil), and a script that checks what only the browser can reveal: canary fetches to names
 * only Veil answers (a failure means the request bypassed Veil), WebRTC host candidates, a
 * JavaScript User-Agent that contradicts the header one, and the browser's own DoH.
 */
export function checkPageHtml(headers: Array<[string, string]>, token: string): string {
  const rows = headers.map(([n, v]) => `<tr><th>${escapeHtml(n)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  const ua = headers.find(([n]) => n.toLowerCase() === 'user-agent')?.[1] ?? '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Veil — what sites see</title>
<style>
:root{color-scheme:light dark;font:15px/1.45 system-ui,sans-serif}
body{max-width:52rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%;font:13px ui-monospace,monospace}
th,td{text-align:left;padding:.2rem .5rem;border-bottom:1px solid #8884;vertical-align:top;word-break:break-all}
th{width:14rem;font-weight:600}
li{margin:.4rem 0} .pass::before{content:"✓ ";color:#2a8a3e} .warn::before{content:"! ";color:#b7791f} .fail::before{content:"✗ ";color:#c53030}
.how{display:block;color:#777;font-size:13px}
</style></head><body>
<h1>Veil is in the way: this page came through it</h1>
<p>veil.invalid exists only inside Veil, so your browser uses the proxy. Below is what a site receives from you after Veil.</p>
<h2>Headers as the site receives them</h2>
<table id="headers">${rows}</table>
<h2>What only your browser can reveal</h2>
<ul id="checks"><li id="pending">Checking…</li></ul>
<script type="module">
const token = ${JSON.stringify(token)};
const headerUa = ${JSON.stringify(ua)};
const list = document.getElementById('checks');
const results = [];
function report(id, status, text, how) {
  const li = document.createElement('li');
  li.className = status; li.dataset.check = id; li.dataset.status = status;
  li.textContent = text;
  if (how) { const s = document.createElement('span'); s.className = 'how'; s.textContent = how; li.append(s); }
  list.append(li); results.push({ id, status, text });
}
async function canaries() {
  const names = ['c-' + token + '.canary.veil.invalid', 'veilcanary-' + token];
  const bypassed = [];
  for (const name of names) {
    try {
      const r = await fetch('http://' + name + '/canary?t=' + token, { cache: 'no-store' });
      if (!r.ok || (await r.text()) !== 'through-veil') bypassed.push(name);
    } catch { bypassed.push(name); }
  }
  if (bypassed.length === 0) report('canary', 'pass', 'Requests for other names come through Veil (' + names.length + ' canary names checked).');
  else report('canary', 'fail', 'Requests for ' + bypassed.join(', ') + ' bypassed Veil: a PAC file or a proxy exception sends them direct.',
    'Chromium: Settings → System → proxy settings (or --proxy-server without --proxy-bypass-list); Firefox: Settings → Network Settings → Manual proxy, clear "No proxy for" and untick "Proxy DNS" exceptions.');
  return bypassed.length;
}
function userAgent() {
  if (!headerUa) { report('user-agent', 'pass', 'Sites get no User-Agent header; scripts still read navigator.userAgent.'); return; }
  if (navigator.userAgent === headerUa) report('user-agent', 'pass', 'The JavaScript User-Agent matches the header one.');
  else report('user-agent', 'warn', 'Scripts see a different User-Agent (' + navigator.userAgent + ') than the header (' + headerUa + '): sites can tell it was changed.',
    'Chromium: start it with --user-agent="…" to match; Firefox: set general.useragent.override in about:config to the header value.');
}
async function webrtc() {
  if (typeof RTCPeerConnection === 'undefined') { report('webrtc', 'pass', 'WebRTC is off in this browser: it cannot reveal addresses.'); return; }
  const pc = new RTCPeerConnection({ iceServers: [] });
  const found = new Set();
  pc.createDataChannel('veil');
  pc.onicecandidate = (e) => {
    const c = e.candidate && e.candidate.candidate;
    const m = c && / (\\d+\\.\\d+\\.\\d+\\.\\d+|[0-9a-f:]*:[0-9a-f:]+) \\d+ typ host/i.exec(c);
    if (m) found.add(m[1]);
  };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((r) => { pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 1500); });
  pc.close();
  if (found.size === 0) report('webrtc', 'pass', 'WebRTC shows no real address (host candidates are hidden behind mDNS names or absent).');
  else report('webrtc', 'fail', 'WebRTC reveals your addresses to any page: ' + [...found].join(', ') + '.',
    'Chromium: policy WebRtcIPHandling = disable_non_proxied_udp (or the WebRTC Network Limiter extension); Firefox: media.peerconnection.ice.default_address_only = true, or media.peerconnection.enabled = false.');
}
function browserDoh(bypassed) {
  if (bypassed) report('browser-doh', 'warn', 'Requests that bypass Veil are resolved by the browser itself, with its own DNS-over-HTTPS or the system resolver.',
    'Chromium: Settings → Privacy and security → Security → Use secure DNS; Firefox: Settings → Privacy & Security → DNS over HTTPS (network.trr.mode).');
  else report('browser-doh', 'pass', 'Through a proxy the browser sends names to Veil, so its own DNS-over-HTTPS is not used; Veil resolves them.',
    'Chromium: Settings → Privacy and security → Security → Use secure DNS; Firefox: Settings → Privacy & Security → DNS over HTTPS.');
}
const bypassed = await canaries();
userAgent();
await webrtc().catch((e) => report('webrtc', 'warn', 'WebRTC could not be checked: ' + e.message));
browserDoh(bypassed);
document.getElementById('pending').remove();
document.body.dataset.done = 'true';
window.veilChecks = results;
</script></body></html>`;
}
