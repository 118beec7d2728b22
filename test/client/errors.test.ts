import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createClient, isLatchkeyError, isMfaRequired, LatchkeyError } from '../../src/client/index.js'
import { DIALECTS } from '../support/dialects.js'
import { base32Decode, totpCode, totpStep } from '../../src/crypto/totp.js'
import { closedPort } from '../support/spawn-server.js'
import { startTestServer, type TestServer } from '../support/test-app.js'
import { recordingFetch } from './harness.js'

// Issue 10 part 1: problem+json answers become typed LatchkeyErrors carrying `code`; 429 and 503
// carry retryAfterSeconds; login and register are never retried by the client.

/** The rejection of `promise`, which must be a LatchkeyError. */
async function latchkeyError(promise: Promise<unknown>): Promise<LatchkeyError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof LatchkeyError, String(error))
    return error
  }
  assert.fail('expected a LatchkeyError')
}

describe('client: typed errors', { timeout: 120_000 }, () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ dialect: DIALECTS[0]! })
  })
  after(() => server.close())

  it('a wrong password is invalid_credentials, status 401, with the server title, detail and request id', async () => {
    const user = await server.register()
    const client = createClient({ baseUrl: server.url })
    const error = await latchkeyError(client.login({ userName: user.userName, password: 'not the password' }))
    assert.equal(error.code, 'invalid_credentials')
    assert.equal(error.status, 401)
    assert.equal(error.title, 'Invalid credentials')
    assert.ok(error.detail.length > 0)
    assert.ok(error.requestId !== undefined && error.requestId.length > 0)
    assert.equal(error.name, 'LatchkeyError')
    assert.equal(await client.isSignedIn(), false)
  })

  it('validation errors carry `errors` keyed by field', async () => {
    const client = createClient({ baseUrl: server.url })
    const error = await latchkeyError(client.register({ firstName: 'Ada', lastName: 'Lovelace', email: 'not an address', userName: 'ad', password: 'short' }))
    assert.equal(error.code, 'validation_failed')
    assert.equal(error.status, 400)
    for (const field of ['email', 'userName', 'password']) {
      assert.ok(Array.isArray(error.errors?.[field]) && error.errors[field].length > 0, `errors.${field}: ${JSON.stringify(error.errors)}`)
    }
  })

  it('a server that cannot be reached is network_error, status 0', async () => {
    const client = createClient({ baseUrl: `http://127.0.0.1:${await closedPort()}` })
    const error = await latchkeyError(client.login({ userName: 'ada', password: 'whatever it is' }))
    assert.equal(error.code, 'network_error')
    assert.equal(error.status, 0)
    assert.ok(error.cause !== undefined)
  })

  it('mfa_required is a typed error with mfaToken and expiresIn; loginMfa completes the login', async () => {
    const user = await server.register()
    const clock = server.clock
    const code = (secret: string) => totpCode(base32Decode(secret)!, totpStep(clock.now()))
    // Turn the second factor on over HTTP, as the account console will.
    const pair = await server.login(user.userName, user.password)
    const started = await server.request('POST', '/api/accounts/me/mfa/totp', { token: pair.accessToken.token, body: { currentPassword: user.password } })
    assert.equal(started.status, 200, started.text)
    const secret = started.body.secret as string
    const confirmed = await server.request('POST', '/api/accounts/me/mfa/totp/confirm', { token: pair.accessToken.token, body: { code: code(secret) } })
    assert.equal(confirmed.status, 200, confirmed.text)
    clock.advance(30_000) // the next code is not a replay of the confirmation's
    const client = createClient({ baseUrl: server.url })

    const error = await latchkeyError(client.login(user))
    assert.ok(isMfaRequired(error), error.code)
    assert.equal(error.status, 403)
    assert.equal(typeof error.mfaToken, 'string')
    assert.equal(error.expiresIn, 300)
    assert.equal(await client.isSignedIn(), false)

    const wrong = await latchkeyError(client.loginMfa({ mfaToken: error.mfaToken, code: code(secret) === '000000' ? '111111' : '000000' }))
    assert.deepEqual([wrong.code, wrong.status], ['invalid_mfa_code', 401])
    await client.loginMfa({ mfaToken: error.mfaToken, code: code(secret) })
    assert.equal((await client.me()).mfaEnabled, true)
    client.close()
  })
})

describe('client: rate limits (RATE_LIMIT_PER_MINUTE=2)', { timeout: 120_000 }, () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ dialect: DIALECTS[0]!, env: { RATE_LIMIT_PER_MINUTE: '2' } })
  })
  after(() => server.close())

  it('a 429 is too_many_requests with retryAfterSeconds > 0, and login is not retried', async () => {
    const user = await server.register() // the first request of the budget
    const { fetch, log } = recordingFetch()
    const client = createClient({ baseUrl: server.url, fetch })
    await client.login(user) // the second
    await client.logout() // not rate-limited

    const error = await latchkeyError(client.login(user))

    assert.equal(error.code, 'too_many_requests')
    assert.equal(error.status, 429)
    assert.ok(error.retryAfterSeconds !== undefined && error.retryAfterSeconds > 0, `retryAfterSeconds ${error.retryAfterSeconds}`)
    assert.equal(log.calls.filter((call) => call === 'POST /api/auth/login').length, 2, 'no automatic retry')
    assert.ok(isLatchkeyError(error, 'too_many_requests'))
    client.close()
  })
})
