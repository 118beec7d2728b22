import type { Redis } from 'ioredis'

/** Connects to REDIS_URL; rejects when it does not answer PING within `timeoutMs`. */
export async function connectRedis(url: string, timeoutMs = 3_000): Promise<Redis> {
  // Loaded only when REDIS_URL is set: a server without Redis does not pay for it at startup.
  const { Redis } = await import('ioredis')
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 1, enableOfflineQueue: false })
  // Reconnection is ioredis's job; an error event must not crash the process.
  redis.on('error', () => {})
  try {
    await redis.connect()
    await redis.ping()
    return redis
  } catch (error) {
    redis.disconnect()
    // The URL itself is not repeated: it may carry a password.
    throw new Error(`REDIS_URL does not answer (${error instanceof Error ? error.message : String(error)})`, { cause: error })
  }
}

export async function pingRedis(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG'
  } catch {
    return false
  }
}
