import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import type { FastifyBaseLogger } from 'fastify'
import { requestLoggerFactory } from '../../src/http/request-logger.js'
import { createLogger } from '../../src/logger.js'
import { adminQuery, DIALECTS, type TestDatabase } from '../support/dialects.js'
import { type ListeningServer, startQuietServerProcess, startServerProcess } from '../support/spawn-server.js'

const PASSWORD = 'request logging passphrase'

interface Line {
  level: number
  msg?: string
  requestId?: string
  req?: unknown
  [field: string]: unknown
}

function lines(output: string): Line[] {
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Line)
}

describe('the per-request logger', { timeout: 10_000 }, () => {
  const logged = (level: 'warn' | 'info') => {
    const sink = new PassThrough()
    const chunks: string[] = []
    sink.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')))
    const logger = createLogger(level, sink) as unknown as FastifyBaseLogger
    return { logger, output: () => lines(chunks.join('')) }
  }

  it('above info, writes a warning or an error with the request id, and nothing below', () => {
    const { logger, output } = logged('warn')
    const factory = requestLoggerFactory(logger)
    assert.ok(factory !== undefined)
    const child = factory.call(undefined as never, logger, { requestId: 'req-1' }, {}, undefined as never)
    child.info({ detail: 1 }, 'not written')
    child.debug('not written either')
    child.warn({ detail: 2 }, 'written')
    child.error(new Error('boom'), 'also written')
    const written = output()
    assert.deepEqual(
      written.map((line) => [line.msg, line.requestId]),
      [
        ['written', 'req-1'],
        ['also written', 'req-1'],
      ],
    )
    assert.equal(written[0]?.detail, 2)
    assert.equal(child.level, 'warn')
    // A grandchild carries both bindings, as pino's own child would.
    child.child({ step: 'x' }).warn('nested')
    assert.deepEqual([output().at(-1)?.requestId, output().at(-1)?.step], ['req-1', 'x'])
  })

  it('at info leaves Fastify its own child logger (a line per request)', () => {
    assert.equal(requestLoggerFactory(logged('info').logger), undefined)
  })
})

for (const dialect of DIALECTS) {
  describe(`request lines by LOG_LEVEL (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    const servers: ListeningServer[] = []
    before(async () => {
      database = await dialect.create()
    })
    after(async () => {
      await Promise.all(servers.map((server) => server.kill()))
      await database.drop()
    })

    const start = async (level: string) => {
      const env = { DATABASE_URL: database.url, LOG_LEVEL: level, RATE_LIMIT_PER_MINUTE: '0' }
      const server = level === 'info' ? await startServerProcess(env) : await startQuietServerProcess(env)
      servers.push(server)
      return server
    }

    /** Registers (once), logs in and calls the protected route and /healthz, each with its own request id. */
    const traffic = async (server: ListeningServer, tag: string) => {
      const call = async (method: string, path: string, body?: unknown, token?: string) => {
        const headers: Record<string, string> = { 'x-request-id': `${tag}-${method}${path.replaceAll('/', '.')}` }
        if (body !== undefined) headers['content-type'] = 'application/json'
        if (token !== undefined) headers.authorization = `Bearer ${token}`
        const response = await fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) })
        return { status: response.status, body: (await response.text()) || undefined }
      }
      const user = { firstName: 'R', lastName: 'L', email: `${tag}@example.com`, userName: tag, password: PASSWORD }
      assert.equal((await call('POST', '/api/accounts', user)).status, 201)
      const login = await call('POST', '/api/auth/login', { userName: tag, password: PASSWORD })
      assert.equal(login.status, 200)
      const token = (JSON.parse(login.body as string) as { accessToken: { token: string } }).accessToken.token
      for (let i = 0; i < 5; i++) assert.equal((await call('GET', '/api/protected', undefined, token)).status, 200)
      assert.equal((await call('GET', '/api/protected', undefined, 'not-a-token')).status, 401)
      assert.equal((await call('GET', '/healthz')).status, 200)
    }

    it('at info, every request has its lines with its request id (the control)', async () => {
      const server = await start('info')
      await traffic(server, 'info-level')
      // "request completed" is written once the response has gone out: wait for the last ones.
      const requestLines = () => lines(server.stdout()).filter((line) => line.req !== undefined || line.msg === 'request completed')
      const deadline = Date.now() + 5_000
      while (requestLines().length < 2 * 9 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      assert.ok(requestLines().length >= 2 * 9, `${requestLines().length} request lines`)
      for (const line of requestLines()) assert.match(String(line.requestId), /^info-level-/)
      assert.ok(requestLines().some((line) => line.requestId === 'info-level-GET.api.protected'))
    })

    it('at warn, requests that go well write nothing', async () => {
      const server = await start('warn')
      await traffic(server, 'warn-level')
      // Time for a line written after its response to arrive, as the control above waits for them.
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      const written = lines(server.stdout())
      assert.deepEqual(
        written.filter((line) => line.requestId !== undefined || line.req !== undefined),
        [],
      )
    })
  })
}

const postgres = DIALECTS.find((dialect) => dialect.name === 'postgres')
for (const dialect of postgres === undefined ? [] : [postgres]) {
  describe(`at warn, a request that goes wrong is logged with its request id (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    let server: ListeningServer
    let name: string
    const admin = (text: string) => adminQuery(process.env.LATCHKEY_TEST_PG_URL ?? '', text)
    before(async () => {
      database = await dialect.create()
      name = new URL(database.url).pathname.slice(1)
      server = await startQuietServerProcess({ DATABASE_URL: database.url, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' })
    })
    after(async () => {
      await server.kill()
      await admin(`alter database ${name}_gone rename to ${name}`).catch(() => {})
      await admin(`alter database ${name} allow_connections true`).catch(() => {})
      await database.drop()
    })

    it('writes the database failure once, under the caller\'s request id', async () => {
      await admin(`alter database ${name} allow_connections false`)
      await admin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`)
      await admin(`alter database ${name} rename to ${name}_gone`)
      const response = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'gone-at-warn' },
        body: JSON.stringify({ userName: 'anyone', password: PASSWORD }),
        signal: AbortSignal.timeout(10_000),
      })
      assert.equal(response.status, 503)
      await response.arrayBuffer()
      const deadline = Date.now() + 5_000
      let mine: Line[] = []
      while (mine.length === 0 && Date.now() < deadline) {
        mine = lines(server.stdout()).filter((line) => line.requestId === 'gone-at-warn')
        if (mine.length === 0) await new Promise((resolve) => setTimeout(resolve, 50))
      }
      assert.equal(mine.length, 1, JSON.stringify(mine))
      assert.equal(mine[0]?.level, 40)
      assert.equal(mine[0]?.msg, 'database unavailable')
    })
  })
}
