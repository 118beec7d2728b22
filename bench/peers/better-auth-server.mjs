// Better Auth with its JWT plugin and SQLite (better-sqlite3), served by node:http: the peer of
// `npm run bench -- --peers`. Plain JavaScript, copied next to the node_modules where
// bench/peers/install-better-auth.ts installed Better Auth (never a dependency of Latchkey).
//   GET  /api/protected       Authorization: Bearer <JWT from /api/auth/token>, checked by the
//                             plugin's own verifier (auth.api.verifyJWT: JWKS read through the adapter)
//   GET  /api/protected-jose  the same token checked with jose.jwtVerify against the JWKS held in
//                             memory (what the docs suggest for a service of your own)
//   /api/auth/*               Better Auth's handler (sign-up/email, sign-in/email, token, jwks …)
// Environment: PORT, DATABASE_PATH, LATCHKEY_REPO (where better-sqlite3 is installed), BETTER_AUTH_SECRET.
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { betterAuth } from 'better-auth'
import { getMigrations } from 'better-auth/db/migration'
import { toNodeHandler } from 'better-auth/node'
import { jwt } from 'better-auth/plugins'
import { createLocalJWKSet, jwtVerify } from 'jose'

const port = Number(process.env.PORT)
const baseURL = `http://127.0.0.1:${port}`
const Database = createRequire(`${process.env.LATCHKEY_REPO}/package.json`)('better-sqlite3')
const database = new Database(process.env.DATABASE_PATH)
database.pragma('journal_mode = WAL')
database.pragma('synchronous = NORMAL')

const auth = betterAuth({
  baseURL,
  secret: process.env.BETTER_AUTH_SECRET,
  database,
  emailAndPassword: { enabled: true },
  // Every request comes from 127.0.0.1, as for Latchkey (RATE_LIMIT_PER_MINUTE=0).
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  plugins: [jwt()],
})
await (await getMigrations(auth.options)).runMigrations()

const RESULT = JSON.stringify({ result: true })
const handle = toNodeHandler(auth)
let localJwks

const server = createServer((request, response) => {
  const path = request.url ?? '/'
  if (path === '/healthz') return send(response, 200, '{"status":"ok"}')
  if (request.method === 'GET' && path === '/api/protected') return checkThen(response, bearer(request), verifyWithPlugin)
  if (request.method === 'GET' && path === '/api/protected-jose') return checkThen(response, bearer(request), verifyWithJose)
  handle(request, response).catch(() => send(response, 500, '{"error":"internal"}'))
})
server.listen(port, '127.0.0.1')
process.once('SIGTERM', () => server.close(() => process.exit(0)))

async function verifyWithPlugin(token) {
  const { payload } = await auth.api.verifyJWT({ body: { token } })
  return payload !== null && payload !== undefined
}

async function verifyWithJose(token) {
  localJwks ??= createLocalJWKSet(await auth.api.getJwks())
  try {
    await jwtVerify(token, localJwks, { issuer: baseURL, audience: baseURL })
    return true
  } catch {
    return false
  }
}

function checkThen(response, token, verify) {
  if (token === undefined) return send(response, 401, '{"error":"unauthorized"}')
  verify(token).then(
    (ok) => (ok ? send(response, 200, RESULT) : send(response, 401, '{"error":"unauthorized"}')),
    () => send(response, 500, '{"error":"internal"}'),
  )
}

function bearer(request) {
  const header = request.headers.authorization
  return typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined
}

function send(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  response.end(body)
}
