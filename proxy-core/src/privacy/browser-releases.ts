/**
 * The one data file behind the strict profile's uniform User-Agent. A uniform string hides a user in a
 * crowd only while the crowd still sends it: a Chrome major older than the current stable one is itself
 * rare. test/privacy/user-agent.test.ts fails once the newest release listed here is out and the uniform
 * string still names an older one, and once the list runs out (it must then be extended).
 *
 * Dates are Chrome's stable release dates: published ones up to M144, then the four-week cadence
 * (chromiumdash.appspot.com/schedule) from M144. Update both lists together when extending.
 */
export const CHROME_STABLE_RELEASES: ReadonlyArray<{ major: number; date: string }> = [
  { major: 142, date: '2025-10-28' },
  { major: 143, date: '2025-12-02' },
  { major: 144, date: '2026-01-13' },
  { major: 145, date: '2026-02-10' },
  { major: 146, date: '2026-03-10' },
  { major: 147, date: '2026-04-07' },
  { major: 148, date: '2026-05-05' },
  { major: 149, date: '2026-06-02' },
  { major: 150, date: '2026-06-30' },
  { major: 151, date: '2026-07-28' },
  { major: 152, date: '2026-08-25' },
  { major: 153, date: '2026-09-22' },
  { major: 154, date: '2026-10-20' },
  { major: 155, date: '2026-11-17' },
  { major: 156, date: '2026-12-15' },
  { major: 157, date: '2027-01-12' },
  { major: 158, date: '2027-02-09' },
];

/** The Chrome major the uniform string names: the newest stable release as of this file's last update. */
export const UNIFORM_CHROME_MAJOR = 155;

/**
 * The strict profile's User-Agent: Chrome's own reduced form (UA reduction, chromestatus 5704553745874944)
 * on Windows, the most common desktop pairing, so a strict user blends in with the largest group.
 */
export const UNIFORM_USER_AGENT = `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${UNIFORM_CHROME_MAJOR}.0.0.0 Safari/537.36`;

/** The newest release in the list that is out on `now`, or null before the first. */
export function newestReleaseOn(now: Date): { major: number; date: string } | null {
  let newest: { major: number; date: string } | null = null;
  for (const r of CHROME_STABLE_RELEASES) if (Date.parse(`${r.date}T00:00:00Z`) <= now.getTime()) newest = r;
  return newest;
}
