// The framework's floor for GET /api/protected: Fastify with the options and per-request work
// Latchkey's app has before any of its own (pino at warn with the deferred request logger, a
// request id, the three standard headers from an onRequest hook, case-insensitive routing,
// request timeouts, a response schema), answering the same JSON without checking a token.
// Run as its own process, like the server: PORT.
import { randomUUID } from 'node:crypto'
import Fastify, { LogController } from 'fastify'
import { pino } from 'pino'
import { requestLoggerFactory } from '../../src/http/request-logger.js'

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/
const logger = pino({ level: 'warn' })
const app = Fastify({
  loggerInstance: logger,
  childLoggerFactory: requestLoggerFactory(logger),
  routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
  requestIdHeader: false,
  logController: new LogController({ requestIdLogLabel: 'requestId' }),
  genReqId: (request) => {
    const given = request.headers['x-request-id']
    return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
  },
  requestTimeout: 30_000,
  http: { headersTimeout: 10_000, connectionsCheckingInterval: 1_000 },
})
app.addHook('onRequest', (request, reply, done) => {
  reply.header('x-request-id', request.id)
  reply.header('x-content-type-options', 'nosniff')
  reply.header('cache-control', 'no-store')
  done()
})
const RESULT = Object.freeze({ result: true })
app.get('/api/protected', { schema: { response: { 200: { type: 'object', properties: { result: { type: 'boolean' } }, required: ['result'] } } } }, () => RESULT)
app.get('/healthz', () => ({ status: 'ok' }))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)))
