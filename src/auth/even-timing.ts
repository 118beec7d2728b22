/**
 * The send endpoints of contract §9 answer no sooner than this after they start. Their work
 * differs (a known address queues a token, a mail and an event; an unknown one writes nothing):
 * measured without the floor, a known address took 1.3–1.6 × as long, which would tell an
 * observer which addresses have accounts. Well under the floor, both take exactly the floor.
 */
export const SEND_ANSWER_FLOOR_MS = 200

/** Runs `work`, then waits out the rest of `floorMs` (success or failure), by the real clock. */
export async function withAnswerFloor<T>(floorMs: number, work: () => Promise<T>): Promise<T> {
  const started = performance.now()
  try {
    return await work()
  } finally {
    const left = started + floorMs - performance.now()
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left))
  }
}
