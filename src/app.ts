import { randomUUID } from 'node:crypto'
import cors from '@fastify/cors'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify'
import type { AuthContext } from './auth/context.js'
import type { TrustProxy } from './config.js'
import { registerApiDocs } from './http/api-docs.js'
import { registerErrorHandling } from './http/error-handler.js'
import { BODY_LIMIT_BYTES, registerJsonBody } from './http/json-body.js'
import { sendProblem } from './http/problem.js'
import { registerRateLimit } from './http/rate-limit.js'
import { requestLoggerFactory } from './http/request-logger.js'
import { accountPageRoutes } from './http/routes/account-pages.js'
import { accountRoutes } from './http/routes/accounts.js'
import { emailRoutes } from './http/routes/email.js'
import { mfaRoutes } from './http/routes/mfa.js'
import { healthRoutes, type Readiness } from './http/routes/health.js'
import { meRoutes } from './http/routes/me.js'
import { protectedRoutes } from './http/routes/protected.js'
import { logoutRoutes, sessionRoutes } from './http/routes/sessions.js'
import { tokenRoutes } from './http/routes/tokens.js'

export interface AppDeps {
  ctx: AuthContext
  readiness: Readiness
  /** The process's pino logger; none in tests. */
  logger?: FastifyBaseLogger
  /** True for a failure that means the database cannot be reached: answered 503, not 500. */
  isUnavailable?: (error: unknown) => boolean
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/
const HEADERS_TIMEOUT_MS = 10_000
const REQUEST_TIMEOUT_MS = 30_000
const API_PATH = /^\/api\//i

/** The Fastify application, routes and all, not yet listening. */
export async function buildApp({ ctx, readiness, logger, isUnavailable = () => false }: AppDeps): Promise<FastifyInstance> {
  const { config } = ctx
  const app = Fastify({
    ...requestFrameworkOptions(logger),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: trustProxyOption(config.trustProxy),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true, useDefaults: false } },
    return503OnClosing: false,
    // A path that cannot be percent-decoded (or an over-long id) names no resource: 404, not
    // Fastify's own 400 body. These requests skip the hooks, so the headers are set here too.
    frameworkErrors: (_error, request, reply) => {
      setStandardHeaders(request, reply)
      return sendProblem(reply, 'not_found', 'No such resource.')
    },
  })

  // Declared up front so every request object has the same shape (set by requireBearer).
  app.decorateRequest('claims', undefined)
  // Callback style: no promise and no microtask hop on every request.
  app.addHook('onRequest', (request, reply, done) => {
    setStandardHeaders(request, reply)
    done()
  })
  if (config.corsOrigins.length > 0) {
    const allowed = new Set(config.corsOrigins)
    await app.register(cors, {
      origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: ['Token-Expired', 'Retry-After', 'WWW-Authenticate', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'X-Request-Id'],
      maxAge: 600,
      strictPreflight: false,
    })
  }
  registerJsonBody(app)
  registerErrorHandling(app, isUnavailable)
  // Before the routes: it attaches itself to each route marked rateLimited() as it is added.
  await registerRateLimit(app, ctx)
  if (config.apiDocs) await registerApiDocs(app)

  await app.register(healthRoutes, { ctx, readiness })
  await app.register(accountRoutes, { ctx })
  await app.register(tokenRoutes, { ctx })
  await app.register(protectedRoutes, { ctx })
  await app.register(logoutRoutes, { ctx })
  await app.register(sessionRoutes, { ctx })
  await app.register(meRoutes, { ctx })
  await app.register(emailRoutes, { ctx })
  await app.register(mfaRoutes, { ctx })
  if (config.accountConsole) await app.register(accountPageRoutes, { ctx })
  return app
}

/**
 * What Fastify does for every request before any route of ours: the request logger, the request
 * id, routing and the slow-client timeouts. Exported for the bench's "Fastify alone" floor, which
 * must pay exactly this.
 */
export function requestFrameworkOptions(logger: FastifyBaseLogger | undefined) {
  return {
    ...(logger === undefined ? { logger: false as const } : { loggerInstance: logger, childLoggerFactory: requestLoggerFactory(logger) }),
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    requestIdHeader: false as const,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    // Slow clients cannot hold the server (contract §1): headers within 10 s and the whole
    // request within 30 s, else 408 and the connection closes; checked every second.
    requestTimeout: REQUEST_TIMEOUT_MS,
    http: { headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
  }
}

/** `X-Request-Id`, `nosniff`, and `no-store` on the API (contract §2), on every response. */
export function setStandardHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id)
  reply.header('x-content-type-options', 'nosniff')
  // Responses of the API carry tokens and personal data: no cache may keep them. Decided on the
  // path the router matches, decoded, not the raw URL, which may spell /api in percent-escapes
  // (/%61pi/…); the decoding is paid only by URLs that have an escape at all (not the hot path).
  const url = request.url
  if (API_PATH.test(url) || (url.includes('%') && API_PATH.test(decodedPath(url)))) reply.header('cache-control', 'no-store')
}

/** The path as the router matches it; an undecodable one is kept raw (it is answered 404). */
function decodedPath(url: string): string {
  const path = url.split('?', 1)[0] ?? ''
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

/** A hop count trusts that many proxies: the Nth `X-Forwarded-For` address from the right. */
function trustProxyOption(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust
  return trust
}
