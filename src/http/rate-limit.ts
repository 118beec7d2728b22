import rateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor, type RateLimitOptions } from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import { admitRequest } from '../auth/admit-request.js'
import type { AuthContext } from '../auth/context.js'
import { ipGroup } from '../domain/ip-group.js'
import { RATE_LIMIT_WINDOW_MS } from '../domain/rate-limit.js'
import { AppError } from '../errors.js'
import { canonicalIp } from './client-info.js'

/**
 * The route config of a route under the per-IP rate limit (contract §4.5):
 * `app.post(url, { config: rateLimited(), schema, … }, handler)`. Every such route shares one
 * budget per client IP group. Without the limiter (`RATE_LIMIT_PER_MINUTE=0`) it is ignored.
 */
export function rateLimited(): { rateLimit: RateLimitOptions } {
  return { rateLimit: {} }
}

/**
 * At most `RATE_LIMIT_PER_MINUTE` requests in any 60 s per client IP group over the routes
 * marked `rateLimited()`, counted in the shared database, checked on `onRequest`: before the
 * body is read (so before 413 and 415) and before validation. Not registered when the limit is 0.
 */
export async function registerRateLimit(app: FastifyInstance, ctx: AuthContext): Promise<void> {
  const max = ctx.config.rateLimitPerMinute
  if (max === 0) return
  await app.register(rateLimit, {
    global: false,
    hook: 'onRequest',
    enableDraftSpec: true,
    max,
    timeWindow: RATE_LIMIT_WINDOW_MS,
    keyGenerator: (request) => ipGroup(canonicalIp(request.ip)),
    store: databaseStore(ctx),
    errorResponseBuilder: (_request, { ttl }) =>
      new AppError('too_many_requests', 'Too many requests from this address; try again later.', { retryAfterSeconds: Math.ceil(ttl / 1000) }),
  })
}

/** The plugin's store, on the shared database through `admitRequest`: a sliding log, not a fixed window. */
function databaseStore(ctx: AuthContext): FastifyRateLimitStoreCtor {
  return class DatabaseRateLimitStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, _timeWindow: number, max: number): void {
      admitRequest(ctx, { clientKey: key, max }).then(
        // The plugin refuses when `current` exceeds `max`; `ttl` gives RateLimit-Reset and Retry-After.
        ({ admitted, count, freesInMs }) => callback(null, { current: admitted ? count : max + 1, ttl: freesInMs }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      )
    }

    child(): FastifyRateLimitStore {
      return this
    }
  }
}
