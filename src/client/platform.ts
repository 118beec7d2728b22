// What the client borrows from its environment, typed structurally so neither the DOM nor Node's
// types are needed: browsers, workers and Node.js 20 all fit.

/** The part of the Web Locks API (`navigator.locks`) the client uses. */
export interface LocksLike {
  request(name: string, callback: (lock: unknown) => Promise<unknown>): Promise<unknown>
}

/** The part of a `BroadcastChannel` the client uses (its message events carry `data`). */
export interface ChannelLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: object) => void): void
  removeEventListener(type: 'message', listener: (event: object) => void): void
}

/** `fetch`'s signature: the global one, or any wrapper of it. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

interface BrowserGlobals {
  navigator?: { locks?: LocksLike }
  document?: unknown
  WorkerGlobalScope?: unknown
  BroadcastChannel?: new (name: string) => ChannelLike & { close(): void }
}

const globals = globalThis as unknown as BrowserGlobals

/** `navigator.locks` when the environment has it (browsers, workers), else undefined. */
export function defaultLocks(): LocksLike | undefined {
  return globals.navigator?.locks
}

/**
 * A `BroadcastChannel` named `name` in a page or worker, else undefined. Node.js has the class
 * too, but a process is one "tab": clients of one process (of different users, say) must not
 * talk to each other unless they are given a channel.
 */
export function defaultChannel(name: string): (ChannelLike & { close(): void }) | undefined {
  const inBrowser = globals.document !== undefined || globals.WorkerGlobalScope !== undefined
  if (!inBrowser || globals.BroadcastChannel === undefined) return undefined
  return new globals.BroadcastChannel(name)
}
