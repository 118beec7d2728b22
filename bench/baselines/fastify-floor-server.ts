// The framework's floor for GET /api/protected: Fastify with the options and per-request work
// Latchkey's app has before any of its own (pino at warn with the deferred request logger, a
// request id, the three standard headers from an onRequest hook, case-insensitive routing,
// request timeouts, a response schema), answering the same JSON without checking a token.
// Run as its own process, like the server: PORT.
import Fastify from 'fastify'
import { pino } from 'pino'
import { requestFrameworkOptions, setStandardHeaders } from '../../src/app.js'

const app = Fastify(requestFrameworkOptions(pino({ level: 'warn' })))
app.addHook('onRequest', (request, reply, done) => {
  setStandardHeaders(request, reply)
  done()
})
const RESULT = Object.freeze({ result: true })
app.get('/api/protected', { schema: { response: { 200: { type: 'object', properties: { result: { type: 'boolean' } }, required: ['result'] } } } }, () => RESULT)
app.get('/healthz', () => ({ status: 'ok' }))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)))
