import { AppError } from '../errors.js'

/**
 * The longest a password hash may be expected to wait for a thread before it is refused
 * instead (contract §4.5: "about 2 s"). A client that would wait longer gets 503 at once.
 */
export const MAX_QUEUE_WAIT_MS = 2_000

/**
 * One job's service time until a warm thread has measured one. Conservative: well above
 * argon2id at m=19 MiB, t=2 on a current core (10–40 ms), so a cold server refuses early
 * rather than late.
 */
const INITIAL_SERVICE_MS = 100
/** Weight of the newest measurement in the moving estimate: about the last ten jobs count. */
const SMOOTHING = 0.2

export interface QueueState {
  /** Jobs admitted and not finished: running on a thread or waiting for one. */
  inFlight: number
  threads: number
  /** The moving estimate of one job's time on a thread. */
  serviceMs: number
  maxWaitMs: number
}

export type Admission = { admit: true } | { admit: false; expectedWaitMs: number; retryAfterSeconds: number }

/** Whether one more job may join the queue, from the queue's state alone. */
export function decideAdmission({ inFlight, threads, serviceMs, maxWaitMs }: QueueState): Admission {
  // The jobs waiting for a thread, this one included: it starts once the threads have worked
  // through ceil(queued / threads) rounds. A running job counts as a whole round (on average
  // half is left), so the estimate errs towards refusing.
  const queued = Math.max(0, inFlight - threads + 1)
  const expectedWaitMs = Math.ceil(queued / threads) * serviceMs
  if (expectedWaitMs <= maxWaitMs) return { admit: true }
  return { admit: false, expectedWaitMs, retryAfterSeconds: Math.max(1, Math.ceil(expectedWaitMs / 1000)) }
}

export interface HashingQueue {
  /**
   * Runs `job` when one of the threads is free, in arrival order; throws `service_unavailable`
   * at once, without calling `job`, when it would wait more than `maxWaitMs` for one.
   */
  run<T>(job: () => Promise<T>): Promise<T>
  /** The queue's state now, for logs and tests. */
  state(): QueueState
}

/**
 * A bounded queue in front of the hashing threads: at most `threads` jobs run at once, and a
 * job is admitted only while the wait it faces is short. Unbounded, a login flood would queue
 * without limit: every queued request holds its socket and memory, and once the queue is
 * longer than clients wait, every login times out, the ones that could have succeeded included.
 */
export function createHashingQueue(options: {
  threads: number
  maxWaitMs: number
  /** A monotonic clock in milliseconds (performance.now by default). */
  nowMs?: () => number
}): HashingQueue {
  const { threads, maxWaitMs } = options
  const nowMs = options.nowMs ?? (() => performance.now())
  const serviceTime = serviceTimeEstimate(threads)
  let inFlight = 0
  let running = 0
  const waiting: (() => void)[] = []

  const state = (): QueueState => ({ inFlight, threads, serviceMs: serviceTime.ms(), maxWaitMs })
  const acquireThread = async () => {
    if (running < threads) running++
    else await new Promise<void>((resolve) => waiting.push(resolve))
  }
  const releaseThread = () => {
    const next = waiting.shift()
    if (next === undefined) running--
    else next() // the thread passes straight to the oldest waiting job
  }

  return {
    state,
    async run(job) {
      const admission = decideAdmission(state())
      if (!admission.admit) {
        // Refused before anything is queued or hashed: the answer costs no CPU and no memory.
        throw new AppError('service_unavailable', 'The server is busy checking passwords; try again shortly.', {
          retryAfterSeconds: admission.retryAfterSeconds,
        })
      }
      inFlight++
      try {
        await acquireThread()
        const startedMs = nowMs()
        try {
          return await job()
        } finally {
          serviceTime.record(nowMs() - startedMs)
          releaseThread()
        }
      } finally {
        inFlight--
      }
    },
  }
}

/**
 * A moving average of how long one job holds a thread. Measured, not configured, because it
 * is what the machine delivers now: the threads are niced, so when the event loop (or another
 * process) is busy each hash takes longer and fewer jobs are admitted.
 */
function serviceTimeEstimate(threads: number) {
  let estimateMs = INITIAL_SERVICE_MS
  let measured = 0
  return {
    ms: () => estimateMs,
    record(durationMs: number) {
      measured++
      // The first jobs, one per thread, run while the threads start (the worker module loads,
      // the hasher's dummy hash is made): hundreds of ms that say nothing about the next job.
      if (measured <= threads) return
      estimateMs = measured === threads + 1 ? durationMs : estimateMs + SMOOTHING * (durationMs - estimateMs)
    },
  }
}
