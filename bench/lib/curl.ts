import { runCommand } from './processes.js';

/**
 * Downloads `url` with curl (through `proxy`, tunnelled with CONNECT when `tunnel`) and
 * returns MB/s; the best of `tries`, since a shared machine only ever slows a run down.
 */
export async function curlMBps(
  url: string,
  opts: { proxy?: string; tunnel?: boolean; tries?: number },
): Promise<number> {
  const args = ['-sS', '-o', '/dev/null', '-w', '%{speed_download} %{size_download}', '--max-time', '120'];
  if (opts.proxy) args.push('-x', opts.proxy);
  if (opts.tunnel) args.push('-p');
  args.push(url);
  let best = 0;
  for (let i = 0; i < (opts.tries ?? 3); i++) {
    const [speed = '0', size = '0'] = (await runCommand('curl', args, 180_000)).trim().split(' ');
    if (Number(size) === 0) throw new Error(`curl got no body from ${url}`);
    best = Math.max(best, Number(speed) / 1e6);
  }
  return best;
}
