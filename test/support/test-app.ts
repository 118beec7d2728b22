import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import type { AuthContext } from '../../src/auth/context.js'
import type { Clock } from '../../src/clock.js'
import { type Config, loadConfig } from '../../src/config.js'
import { createPasswordHasher, type PasswordHasher } from '../../src/crypto/password-hasher.js'
import type { Log } from '../../src/logger.js'

/**
 * Tests that are not about overload must never see its 503: on a loaded 2-core CI machine ten
 * concurrent registrations can really be expected to wait over 2 s for the niced hashing threads.
 * test/http/overload.test.ts sets its own limit.
 */
export const TESTS_QUEUE_WAIT_MS = 600_000
import { type OpenedContext, openContext } from '../../src/open-context.js'
import type { Dialect, TestDatabase } from './dialects.js'
import { FakeClock } from './fake-clock.js'
import { silentLog } from './silent-log.js'

export interface TestResponse {
  status: number
  headers: Headers
  /** Parsed JSON when the body is JSON, else the text ('' for none). */
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string
}

export interface RequestOptions {
  body?: unknown
  /** Sent as is (no JSON encoding), e.g. malformed bodies. */
  rawBody?: string | Buffer
  headers?: Record<string, string>
  token?: string
}

export interface TestServer {
  url: string
  ctx: AuthContext
  config: Config
  clock: FakeClock
  database: TestDatabase
  app: FastifyInstance
  /** Where mail goes without SMTP_URL: a directory of this server's own, removed on close. */
  outboxDir: string
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>
  /** Registers a user (defaults filled in) and returns its id and credentials. */
  register(overrides?: Partial<Registration>): Promise<Registration & { id: string }>
  /** Logs in and returns the token response body. */
  login(userName: string, password: string): Promise<TokenBody>
  close(): Promise<void>
}

export interface Registration {
  firstName: string
  lastName: string
  email: string
  userName: string
  password: string
}

export interface TokenBody {
  accessToken: { token: string; expiresIn: number }
  refreshToken: string
}

export interface TestServerOptions {
  dialect: Dialect
  env?: Record<string, string>
  /** Reuse a database (two servers on one database); otherwise a fresh one is made and dropped. */
  database?: TestDatabase
  clock?: FakeClock | Clock
  hasher?: PasswordHasher
  /** Where the server logs (default: nowhere). */
  log?: Log
}

/**
 * The fake clock stands still, so every request of a test file falls in one "minute": the test
 * app raises the per-IP limit unless a test sets RATE_LIMIT_PER_MINUTE itself. The server's own
 * default (60) is proven on a spawned server (test/http/brute-force-instances.test.ts).
 */
const NOT_ABOUT_LIMITS = { RATE_LIMIT_PER_MINUTE: '1000000' }

let userCounter = 0

/** A real server on a random loopback port, over a real database, with a fake clock. */
export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const ownsDatabase = options.database === undefined
  const database = options.database ?? (await options.dialect.create())
  const config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', ...NOT_ABOUT_LIMITS, ...options.env })
  const clock = (options.clock ?? new FakeClock()) as FakeClock
  const outboxDir = mkdtempSync(join(tmpdir(), 'latchkey-outbox-'))
  let opened: OpenedContext
  try {
    opened = await openContext(config, {
      clock,
      log: options.log ?? silentLog,
      hasher: options.hasher ?? createPasswordHasher({ maxQueueWaitMs: TESTS_QUEUE_WAIT_MS }),
      sendMail: { outboxDir },
    })
  } catch (error) {
    rmSync(outboxDir, { recursive: true, force: true })
    if (ownsDatabase) await database.drop()
    throw error
  }
  const app = await buildApp({ ctx: opened.ctx, readiness: { draining: false, check: async () => true }, isUnavailable: (error) => opened.database.isUnavailable(error) })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  opened.setListeningPort(port)
  const url = `http://127.0.0.1:${port}`

  const request = async (method: string, path: string, req: RequestOptions = {}): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...req.headers }
    if (req.token !== undefined) headers.authorization = `Bearer ${req.token}`
    let body: string | Buffer | undefined = req.rawBody
    if (req.body !== undefined) {
      body = JSON.stringify(req.body)
      headers['content-type'] ??= 'application/json'
    }
    const response = await fetch(url + path, { method, headers, body })
    const text = await response.text()
    let parsed: unknown = text
    if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text)
    return { status: response.status, headers: response.headers, body: parsed, text }
  }

  const server: TestServer = {
    url,
    ctx: opened.ctx,
    config,
    clock,
    database,
    app,
    outboxDir,
    request,
    async register(overrides = {}) {
      const n = ++userCounter
      const registration = {
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: `user${n}.${process.pid}@example.com`,
        userName: `user${n}_${process.pid}`,
        password: 'correct horse battery staple',
        ...overrides,
      }
      const response = await request('POST', '/api/accounts', { body: registration })
      if (response.status !== 201) throw new Error(`register failed: ${response.status} ${response.text}`)
      return { ...registration, id: response.body.id as string }
    },
    async login(userName, password) {
      const response = await request('POST', '/api/auth/login', { body: { userName, password } })
      if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`)
      return response.body as TokenBody
    },
    async close() {
      await app.close()
      await opened.close()
      rmSync(outboxDir, { recursive: true, force: true })
      if (ownsDatabase) await database.drop()
    },
  }
  return server
}
