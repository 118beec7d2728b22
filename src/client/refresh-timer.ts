/** setTimeout's longest delay (2^31 − 1 ms, about 24.8 days); a longer one would fire at once. */
const MAX_DELAY_MS = 2_147_483_647

/** One pending task at a time: setting a new one cancels the old. */
export interface RefreshTimer {
  set(delayMs: number, task: () => void): void
  cancel(): void
}

/**
 * A timer that never keeps a Node.js process alive (it is `unref`'d where that exists), so a
 * script that signs in and finishes its work exits without calling `close()`.
 */
export function createRefreshTimer(): RefreshTimer {
  let handle: ReturnType<typeof setTimeout> | undefined
  const cancel = (): void => {
    if (handle !== undefined) clearTimeout(handle)
    handle = undefined
  }
  return {
    set(delayMs, task) {
      cancel()
      handle = setTimeout(() => {
        handle = undefined
        task()
      }, Math.min(MAX_DELAY_MS, Math.max(0, delayMs)))
      ;(handle as unknown as { unref?: () => void }).unref?.()
    },
    cancel,
  }
}
