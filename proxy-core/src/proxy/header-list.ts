/**
 * Headers as Node's raw flat arrays ([name, value, name, value, …]): the order and
 * spelling the peer sent survive, and no per-request object is built for them.
 */
export type HeaderList = string[];

/** The first value of a header (case-insensitive), or undefined. */
export function getHeader(list: HeaderList, lowerName: string): string | undefined {
  const len = lowerName.length;
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    // the length test skips most names without lower-casing them: this runs per request
    if (name.length === len && name.toLowerCase() === lowerName) return list[i + 1];
  }
  return undefined;
}

/** Every value of a header, in order. */
export function getHeaderAll(list: HeaderList, lowerName: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) {
    if (list[i]!.toLowerCase() === lowerName) out.push(list[i + 1]!);
  }
  return out;
}

/** Removes every occurrence in place; returns the removed values. */
export function removeHeader(list: HeaderList, lowerName: string): string[] {
  const removed: string[] = [];
  let w = 0;
  for (let r = 0; r < list.length; r += 2) {
    if (list[r]!.toLowerCase() === lowerName) {
      removed.push(list[r + 1]!);
    } else {
      list[w] = list[r]!;
      list[w + 1] = list[r + 1]!;
      w += 2;
    }
  }
  list.length = w;
  return removed;
}

/** Replaces every occurrence with one value (kept at the first position) or appends it. */
export function setHeader(list: HeaderList, name: string, value: string): void {
  const lower = name.toLowerCase();
  let found = false;
  let w = 0;
  for (let r = 0; r < list.length; r += 2) {
    if (list[r]!.toLowerCase() === lower) {
      if (found) continue;
      found = true;
      list[w] = list[r]!;
      list[w + 1] = value;
    } else {
      list[w] = list[r]!;
      list[w + 1] = list[r + 1]!;
    }
    w += 2;
  }
  list.length = w;
  if (!found) list.push(name, value);
}

/** Header pairs as a plain object of arrays, for records and HAR. */
export function toPairs(list: HeaderList): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < list.length; i += 2) out.push([list[i]!, list[i + 1]!]);
  return out;
}
