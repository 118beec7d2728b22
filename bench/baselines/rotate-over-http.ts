// The ceiling for POST /api/auth/refresh with the HTTP round trip included: node:http, the same
// JSON body parsed and checked, the same rotation statements straight on better-sqlite3 or pg
// (rotate-on-sqlite.ts, rotate-on-postgres.ts), and a token pair as the answer whose access token
// is a fixed stand-in (no signature: that is Latchkey's work, not the limit of the job).
// Run as its own process, like the server: PORT, DATABASE_URL (sqlite:PATH or postgres://…).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { postgresRotator } from './rotate-on-postgres.js'
import { sqliteRotator } from './rotate-on-sqlite.js'

const port = Number(process.env.PORT)
const databaseUrl = process.env.DATABASE_URL ?? ''
/** As long as one of Latchkey's EdDSA access tokens; the pair is otherwise Latchkey's shape. */
const ACCESS_TOKEN_STAND_IN = 'a'.repeat(Number(process.env.ACCESS_TOKEN_LENGTH ?? '560'))
const BODY_LIMIT_BYTES = 16 * 1024
const HEADERS = { 'content-type': 'application/json; charset=utf-8' }

const rotator = databaseUrl.startsWith('sqlite:') ? sqliteRotator(databaseUrl.slice('sqlite:'.length)) : postgresRotator(databaseUrl)

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/healthz') return answer(response, 200, '{"status":"ok"}')
  if (request.method !== 'POST' || request.url !== '/api/auth/refresh') return answer(response, 404, '{"code":"not_found"}')
  readBody(request).then(
    async (text) => {
      const token = refreshTokenOf(text)
      if (token === undefined) return answer(response, 400, '{"code":"invalid_request"}')
      const successor = await rotator.rotate(token)
      if (successor === undefined) return answer(response, 401, '{"code":"invalid_grant"}')
      answer(response, 200, JSON.stringify({ accessToken: { token: ACCESS_TOKEN_STAND_IN, expiresIn: 900 }, refreshToken: successor }))
    },
    () => answer(response, 413, '{"code":"payload_too_large"}'),
  ).catch(() => answer(response, 500, '{"code":"internal"}'))
})
server.listen(port, '127.0.0.1')
process.once('SIGTERM', () => server.close(() => process.exit(0)))

function refreshTokenOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as unknown
    const token = typeof body === 'object' && body !== null ? (body as { refreshToken?: unknown }).refreshToken : undefined
    return typeof token === 'string' && token !== '' ? token : undefined
  } catch {
    return undefined
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > BODY_LIMIT_BYTES) return reject(new Error('body too large'))
      chunks.push(chunk)
    })
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.once('error', reject)
  })
}

function answer(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { ...HEADERS, 'content-length': Buffer.byteLength(body) })
  response.end(body)
}
