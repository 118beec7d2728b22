import { randomFillSync } from 'node:crypto'

const POOL_BYTES = 4096
const pool = Buffer.alloc(POOL_BYTES)
let offset = POOL_BYTES

/**
 * `size` bytes from the CSPRNG, drawn from a buffer refilled 4 KiB at a time: one call into
 * OpenSSL per ~100 refreshes instead of four per refresh (the per-call cost dominates for a few
 * bytes). Each byte is handed out once and returned as a copy, so no two callers share any.
 */
export function randomBytesPooled(size: number): Buffer {
  if (size > POOL_BYTES) return randomFillSync(Buffer.alloc(size))
  if (offset + size > POOL_BYTES) {
    randomFillSync(pool)
    offset = 0
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size))
  // Wiped once handed out, so the pool never holds bytes that someone already uses.
  pool.fill(0, offset, offset + size)
  offset += size
  return bytes
}
