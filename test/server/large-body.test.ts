import assert from 'node:assert/strict'
import { request } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { type ListeningServer, startServerProcess } from '../support/spawn-server.js'

const TRIES = 25
const BODY_BYTES = 2 * 1024 * 1024
const CHUNK = Buffer.alloc(16 * 1024, 'a')

/**
 * POSTs a 2 MiB body in 16 KiB writes, as fast as the socket takes them, so the server answers
 * while the client is still sending. Resolves with the status read, or the error code instead.
 */
function sendLargeBody(url: string, framing: 'chunked' | 'length'): Promise<string> {
  return new Promise((resolve) => {
    const headers = { 'content-type': 'application/json', ...(framing === 'chunked' ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(BODY_BYTES) }) }
    const req = request(`${url}/api/auth/login`, { method: 'POST', headers })
    let settled = false
    const settle = (outcome: string) => {
      if (!settled) resolve(outcome)
      settled = true
    }
    req.on('response', (response) => {
      let body = ''
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
      response.on('end', () => settle(`${response.statusCode} ${(JSON.parse(body) as { code?: string }).code}`))
    })
    req.on('error', (error: NodeJS.ErrnoException) => settle(error.code ?? error.message))
    let sent = 0
    const write = () => {
      while (sent < BODY_BYTES) {
        sent += CHUNK.length
        if (!req.write(CHUNK)) return void req.once('drain', write)
      }
      req.end()
    }
    write()
  })
}

for (const dialect of DIALECTS) {
  describe(`a 413 reaches a client still sending its body (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    let server: ListeningServer
    before(async () => {
      database = await dialect.create()
      server = await startServerProcess({ DATABASE_URL: database.url, RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'info' })
    })
    after(async () => {
      await server.kill()
      await database.drop()
    })

    for (const framing of ['chunked', 'length'] as const) {
      it(`answers each of ${TRIES} 2 MiB logins (${framing}) with a 413 it can read, never a broken pipe`, async () => {
        const outcomes: Record<string, number> = {}
        for (let i = 0; i < TRIES; i++) {
          const outcome = await sendLargeBody(server.url, framing)
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
        }
        assert.deepEqual(outcomes, { '413 payload_too_large': TRIES })
        assert.equal((await fetch(`${server.url}/healthz`)).status, 200)
      })
    }
  })
}
