/**
 * The standard profile's User-Agent: the same browser at the same major version, in the reduced form its
 * vendor ships (Chrome's UA reduction, Firefox's and Safari's frozen platform tokens). It removes only what
 * sets one user apart (minor and build numbers, OS version, device model) and never claims another browser,
 * so it agrees with the browser's own navigator.userAgent family and version and its client hints. A
 * User-Agent Veil does not recognise (curl, an app) is left as it is: rewriting it would make it rarer.
 */
export function reduceUserAgent(ua: string): string {
  const os = platformOf(ua);
  const firefox = /\bFirefox\/(\d+)/.exec(ua);
  if (firefox && !/Seamonkey/i.test(ua)) {
    const m = firefox[1];
    if (os === 'android') return `Mozilla/5.0 (Android 10; Mobile; rv:${m}.0) Gecko/${m}.0 Firefox/${m}.0`;
    if (os === 'ios') return ua;
    return `Mozilla/5.0 (${FIREFOX_PLATFORM[os] ?? FIREFOX_PLATFORM.linux}; rv:${m}.0) Gecko/20100101 Firefox/${m}.0`;
  }
  // HeadlessChrome too: a headless token would single the user out among Chrome users
  const chrome = /\b(?:HeadlessChrome|Chrome|Chromium)\/(\d+)/.exec(ua);
  if (chrome && os !== 'ios') {
    const mobile = os === 'android' && /\bMobile\b/.test(ua) ? ' Mobile' : '';
    const base = `Mozilla/5.0 (${CHROME_PLATFORM[os] ?? CHROME_PLATFORM.linux}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome[1]}.0.0.0${mobile} Safari/537.36`;
    const edge = /\bEdgA?\/(\d+)/.exec(ua);
    if (edge) return `${base} ${edge[0].startsWith('EdgA') ? 'EdgA' : 'Edg'}/${edge[1]}.0.0.0`;
    const opera = /\bOPR\/(\d+)/.exec(ua);
    if (opera) return `${base} OPR/${opera[1]}.0.0.0`;
    // other Chromium browsers (Brave, Vivaldi) already send Chrome's own string
    return /\b(?:YaBrowser|SamsungBrowser|UCBrowser)\//.test(ua) ? ua : base;
  }
  const safari = /\bVersion\/(\d+)(?:\.\d+)*(?: Mobile\/\w+)? Safari\//.exec(ua);
  if (safari && /AppleWebKit\//.test(ua)) {
    const m = safari[1];
    if (os === 'ios') {
      const device = /\biPad\b/.test(ua) ? 'iPad; CPU OS' : 'iPhone; CPU iPhone OS';
      return `Mozilla/5.0 (${device} ${m}_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${m}.0 Mobile/15E148 Safari/604.1`;
    }
    if (os === 'mac') {
      return `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${m}.0 Safari/605.1.15`;
    }
  }
  return ua;
}

type Platform = 'windows' | 'mac' | 'linux' | 'android' | 'ios' | 'chromeos';

function platformOf(ua: string): Platform {
  if (/\b(iPhone|iPad|iPod)\b/.test(ua)) return 'ios';
  if (/\bAndroid\b/.test(ua)) return 'android';
  if (/\bWindows\b/.test(ua)) return 'windows';
  if (/\bCrOS\b/.test(ua)) return 'chromeos';
  if (/\bMac OS X\b|\bMacintosh\b/.test(ua)) return 'mac';
  return 'linux';
}

/** The platform tokens Chrome sends under UA reduction: one per OS family, whatever the real version. */
const CHROME_PLATFORM: Partial<Record<Platform, string>> & { linux: string } = {
  windows: 'Windows NT 10.0; Win64; x64',
  mac: 'Macintosh; Intel Mac OS X 10_15_7',
  linux: 'X11; Linux x86_64',
  chromeos: 'X11; CrOS x86_64 14541.0.0',
  android: 'Linux; Android 10; K',
};

/** Firefox's frozen platform tokens (it has sent these since version 87 for macOS, 110 for Windows). */
const FIREFOX_PLATFORM: Partial<Record<Platform, string>> & { linux: string } = {
  windows: 'Windows NT 10.0; Win64; x64',
  mac: 'Macintosh; Intel Mac OS X 10.15',
  linux: 'X11; Linux x86_64',
  chromeos: 'X11; Linux x86_64',
};
