import { describe, expect, it } from 'vitest';
import {
  CHROME_STABLE_RELEASES,
  newestReleaseOn,
  UNIFORM_CHROME_MAJOR,
  UNIFORM_USER_AGENT,
} from '../../proxy-core/src/privacy/browser-releases.js';
import { builtInProfile } from '../../proxy-core/src/privacy/built-in-profiles.js';
import { privacySettings } from '../../proxy-core/src/privacy/privacy-schema.js';
import { reduceUserAgent } from '../../proxy-core/src/privacy/user-agent-reduction.js';

describe('standard reduces the User-Agent to the common form of the same browser', () => {
  it.each([
    [
      'Chrome on Windows 7 with a full build',
      'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.205 Safari/537.36',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    ],
    [
      'Chrome on an Android phone model',
      'Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro Build/UQ1A.240205.004) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.7339.80 Mobile Safari/537.36',
      'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36',
    ],
    [
      'headless Chrome loses its headless token (it would single the user out among Chrome users)',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.8078.73 Safari/537.36',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
    ],
    [
      'Edge keeps its own token and major',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.7390.55 Safari/537.36 Edg/141.0.3537.57',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36 Edg/141.0.0.0',
    ],
    [
      'Firefox with a distro token',
      'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 MyDistro/7',
      'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    ],
    [
      'Firefox on a Mac',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.6; rv:133.0) Gecko/20100101 Firefox/133.0',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0',
    ],
    [
      'Safari on a Mac with its point release',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 Safari/605.1.15',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
    ],
    [
      'Safari on an iPhone',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 Mobile/15E148 Safari/604.1',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
    ],
  ])('%s', (_name, ua, reduced) => {
    expect(reduceUserAgent(ua)).toBe(reduced);
    // already reduced: nothing more to take away
    expect(reduceUserAgent(reduced)).toBe(reduced);
  });

  it.each(['curl/8.5.0', 'TestBrowser/1.0 (fingerprintable)', 'Wget/1.21.4'])(
    'leaves %s as it is: claiming a browser would make it rarer, not commoner',
    (ua) => expect(reduceUserAgent(ua)).toBe(ua),
  );

  it('is what the standard profile does; strict sends the uniform string', () => {
    expect(builtInProfile('standard')!.userAgent).toBe('reduce');
    expect(builtInProfile('strict')!.userAgent).toBe('replace');
    expect(privacySettings.parse({}).userAgent).toBe(UNIFORM_USER_AGENT);
  });
});

describe('the uniform string (strict) is kept current from one data file', () => {
  it('names the newest Chrome stable release the file knows to be out', () => {
    const newest = newestReleaseOn(new Date());
    expect(newest, 'the release list starts after today: fix its dates').not.toBeNull();
    expect(
      UNIFORM_CHROME_MAJOR,
      `Chrome ${newest!.major} is out since ${newest!.date}: update UNIFORM_CHROME_MAJOR in proxy-core/src/privacy/browser-releases.ts`,
    ).toBeGreaterThanOrEqual(newest!.major);
    expect(UNIFORM_USER_AGENT).toContain(`Chrome/${UNIFORM_CHROME_MAJOR}.0.0.0`);
  });

  it('still knows the next release (the list must be extended before it runs out)', () => {
    const last = CHROME_STABLE_RELEASES.at(-1)!;
    expect(
      Date.parse(`${last.date}T00:00:00Z`),
      `the release list ends at Chrome ${last.major} (${last.date}): extend it in browser-releases.ts`,
    ).toBeGreaterThan(Date.now());
  });

  it('replaces a past default a settings file still holds', () => {
    const old =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';
    expect(privacySettings.parse({ userAgent: old }).userAgent).toBe(UNIFORM_USER_AGENT);
    expect(privacySettings.parse({ userAgent: 'My own/1.0' }).userAgent).toBe('My own/1.0');
  });
});
