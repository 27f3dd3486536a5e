/** Runs the jobs given to it one after another, in order. */
export interface SerialQueue {
  <T>(job: () => Promise<T>): Promise<T>;
  /** Resolves once every job queued so far has settled. */
  idle(): Promise<void>;
}

/**
 * A queue of async jobs: each starts once the previous one settled, and a failed job does not stop the
 * ones after it (its caller still gets the rejection). For writes and reloads that must never interleave.
 */
export function serialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(job: () => Promise<T>): Promise<T> => {
    const next = tail.then(job, job);
    tail = next.catch(() => undefined);
    return next;
  };
  return Object.assign(enqueue, { idle: () => tail.then(() => undefined) });
}

/** Waits for every promise to settle, or for `deadlineMs`, whichever comes first (a shutdown that must end). */
export async function settledWithin(work: Array<Promise<unknown> | unknown>, deadlineMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((r) => {
    timer = setTimeout(r, deadlineMs);
  });
  await Promise.race([Promise.allSettled(work), deadline]);
  clearTimeout(timer);
}
