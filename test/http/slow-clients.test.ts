import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { startTestServer, type TestServer } from '../support/test-app.js'

const [dialect] = DIALECTS

/** Opens a TCP connection, writes `data`, and resolves with all it reads until the server closes (or `waitMs`). */
function rawExchange(port: number, data: string | Buffer, waitMs: number): Promise<{ text: string; closed: boolean; afterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now()
    const socket = connect(port, '127.0.0.1')
    let text = ''
    const timer = setTimeout(() => finish(false), waitMs)
    const finish = (closed: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ text, closed, afterMs: Date.now() - started })
    }
    socket.on('data', (chunk) => (text += chunk.toString('latin1')))
    socket.on('close', () => finish(true))
    socket.on('error', () => {})
    socket.write(data)
  })
}

function openIdle(port: number, request: string | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      if (request !== undefined) socket.write(request)
      resolve(socket)
    })
    socket.on('error', reject)
    socket.on('data', () => {})
  })
}

describe('slow and hostile clients cannot hold the server', { timeout: 120_000 }, () => {
  let server: TestServer
  let port: number
  before(async () => {
    server = await startTestServer({ dialect: dialect! })
    port = Number(new URL(server.url).port)
  })
  after(() => server.close())

  it('answers 408 (or closes) when headers take over 10 s, or a body over 30 s', async () => {
    const [headers, body] = await Promise.all([
      rawExchange(port, 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n', 20_000),
      rawExchange(port, 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"userName"', 40_000),
    ])
    for (const [label, outcome, limitMs] of [['headers', headers, 10_000], ['body', body, 30_000]] as const) {
      assert.ok(outcome.closed, `${label}: the connection was closed`)
      assert.ok(outcome.text === '' || outcome.text.startsWith('HTTP/1.1 408'), `${label}: ${outcome.text.slice(0, 40)}`)
      assert.ok(outcome.afterMs >= limitMs - 500, `${label}: not before its limit (${outcome.afterMs} ms)`)
      assert.ok(outcome.afterMs < limitMs + 3_000, `${label}: within a moment of its limit (${outcome.afterMs} ms)`)
    }
  })

  it('keeps /healthz answering beside a thousand idle keep-alive connections and stalled requests', async () => {
    const idle = await Promise.all(Array.from({ length: 1000 }, () => openIdle(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')))
    const stalled = await Promise.all(Array.from({ length: 200 }, () => openIdle(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n')))
    try {
      // Well inside the 10 s the stalled requests are given: held connections must not make it wait for them.
      const response = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5_000) })
      assert.equal(response.status, 200)
    } finally {
      for (const socket of [...idle, ...stalled]) socket.destroy()
    }
  })

  const garbage: [string, string | Buffer][] = [
    ['a bad request line', 'HELLO THERE\r\n\r\n'],
    ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n'],
    ['headers over 64 KiB', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`],
    ['a NUL in a header', Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Nul: a\u0000b\r\n\r\n', 'latin1')],
    ['a bare LF flood', '\n'.repeat(100_000)],
  ]
  for (const [label, data] of garbage) {
    it(`answers ${label} with 400, 408 or 431, or a close, and keeps serving`, async () => {
      const outcome = await rawExchange(port, data, 15_000)
      assert.ok(outcome.closed, 'closed')
      assert.ok(outcome.text === '' || /^HTTP\/1\.1 (400|408|431) /.test(outcome.text), outcome.text.slice(0, 60))
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200)
    })
  }
})
