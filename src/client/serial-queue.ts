/** Runs the tasks given to it one after another, each after the previous one settled. */
export type SerialQueue = <T>(task: () => Promise<T>) => Promise<T>

/**
 * A queue for read-then-write steps on the token storage, which may be asynchronous: two steps
 * of one client never interleave, so one cannot overwrite what the other just decided.
 */
export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve()
  return (task) => {
    const run = tail.then(task, task)
    tail = run.catch(() => undefined)
    return run
  }
}
