import type { FetchLike, LocksLike, StoredTokens, TokenStorage } from '../../src/client/index.js'
import { memoryStorage } from '../../src/client/index.js'

/** What went over the wire through a recording fetch. */
export interface FetchLog {
  /** Every request, as `METHOD path`. */
  readonly calls: string[]
  /** The bodies of the refresh requests, in order. */
  readonly refreshBodies: string[]
  /** How many refresh requests were sent. */
  readonly refreshes: number
  /** How many answers were 401. */
  readonly unauthorized: number
}

/** Decides a request itself (return a Response, or throw), or leaves it to the real fetch (undefined). */
export type FetchHook = (call: { path: string; init: RequestInit | undefined; real: () => Promise<Response> }) => Promise<Response | undefined> | undefined

/** Wraps the global fetch: counts what the client sends, and lets a test interfere. */
export function recordingFetch(hook?: FetchHook): { fetch: FetchLike; log: FetchLog } {
  const calls: string[] = []
  const refreshBodies: string[] = []
  let unauthorized = 0
  const fetch: FetchLike = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const method = input instanceof Request ? input.method : (init?.method ?? 'GET')
    calls.push(`${method} ${url.pathname}`)
    if (url.pathname.endsWith('/api/auth/refreshtoken')) refreshBodies.push(String(init?.body))
    const real = () => globalThis.fetch(input, init)
    const response = (await hook?.({ path: url.pathname, init, real })) ?? (await real())
    if (response.status === 401) unauthorized++
    return response
  }
  const log: FetchLog = {
    calls,
    refreshBodies,
    get refreshes() {
      return refreshBodies.length
    },
    get unauthorized() {
      return unauthorized
    },
  }
  return { fetch, log }
}

/** A memory storage that records what was done to it. */
export function spyStorage(): TokenStorage & { ops: string[]; peek(): StoredTokens | undefined } {
  const inner = memoryStorage()
  const ops: string[] = []
  return {
    ops,
    peek: () => inner.get() as StoredTokens | undefined,
    get: () => inner.get(),
    set(tokens) {
      ops.push('set')
      inner.set(tokens)
    },
    clear() {
      ops.push('clear')
      inner.clear()
    },
  }
}

/** An in-process stand-in for `navigator.locks`: one holder per name at a time, in request order. */
export function fakeLocks(): LocksLike & { requests: number } {
  const tails = new Map<string, Promise<unknown>>()
  const locks = {
    requests: 0,
    request(name: string, callback: (lock: unknown) => Promise<unknown>): Promise<unknown> {
      locks.requests++
      const previous = tails.get(name) ?? Promise.resolve()
      const run = previous.then(() => callback({ name }))
      tails.set(name, run.catch(() => undefined))
      return run
    },
  }
  return locks
}

/** Resolves once `condition()` holds (polled every 10 ms), or fails after `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** The answer a lost connection leaves: the request reached the server, the answer never came back. */
export async function loseAnswer(real: () => Promise<Response>): Promise<never> {
  const response = await real()
  await response.body?.cancel()
  throw new TypeError('fetch failed: the connection dropped')
}
