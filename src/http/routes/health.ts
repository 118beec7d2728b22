import type { FastifyPluginAsync } from 'fastify'
import type { AuthContext } from '../../auth/context.js'
import { sendProblem } from '../problem.js'

export interface Readiness {
  /** True while the database (and a configured Redis) answer. */
  check(): Promise<boolean>
  /** True once shutdown has begun. */
  readonly draining: boolean
}

export const healthRoutes: FastifyPluginAsync<{ ctx: AuthContext; readiness: Readiness }> = async (app, { ctx, readiness }) => {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }))

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    if (readiness.draining) return sendProblem(reply, 'service_unavailable', 'The server is shutting down.')
    if (!(await readiness.check())) return sendProblem(reply, 'service_unavailable', 'A dependency does not answer.')
    return { status: 'ready' }
  })

  app.get('/.well-known/jwks.json', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300')
    return { keys: ctx.keys.jwks() }
  })
}
