/**
 * RFC 9110 §5.6.7 HTTP-date, parsed strictly: IMF-fixdate, and the two obsolete forms a
 * recipient must accept (RFC 850, asctime). Anything else is not a date (`Date.parse` would
 * accept "UTC", missing commas, one-digit hours or `0`, and a cache must not).
 */

const DAYS = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAYS = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

const IMF_FIXDATE = new RegExp(`^${DAYS}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850 = new RegExp(`^${LONG_DAYS}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAYS} ${MONTH} (\\d{2}| \\d) ${TIME} (\\d{4})$`);

/** Epoch ms of an HTTP-date, or null when `value` is not one. */
export function parseHttpDate(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  let m = IMF_FIXDATE.exec(value);
  if (m) return build(Number(m[3]), m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  m = ASCTIME.exec(value);
  if (m) return build(Number(m[6]), m[1]!, m[2]!.trim(), m[3]!, m[4]!, m[5]!);
  m = RFC850.exec(value);
  if (!m) return null;
  // a two-digit year more than 50 years ahead is the most recent past year with those digits
  const nowYear = new Date(now).getUTCFullYear();
  let year = Math.floor(nowYear / 100) * 100 + Number(m[3]);
  if (year > nowYear + 50) year -= 100;
  return build(year, m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
}

function build(year: number, month: string, day: string, h: string, min: string, s: string): number | null {
  const mon = MONTHS.indexOf(month);
  const d = Number(day);
  const hour = Number(h);
  const minute = Number(min);
  // second 60 is a leap second (RFC 9110 §5.6.7 allows it); it lands on the next minute
  const second = Number(s);
  if (hour > 23 || minute > 59 || second > 60 || d < 1) return null;
  const ms = Date.UTC(year, mon, d, hour, minute, second);
  // 31 Feb and its kind roll over into the next month in Date.UTC: not a date
  if (new Date(Date.UTC(year, mon, d)).getUTCDate() !== d) return null;
  return ms;
}

/** The IMF-fixdate form of an epoch ms (what Veil writes). */
export function formatHttpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
