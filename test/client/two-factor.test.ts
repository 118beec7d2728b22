import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createClient, isLatchkeyError, isMfaRequired, type LatchkeyClient, type SessionEndedEvent } from '../../src/client/index.js'
import { DIALECTS } from '../support/dialects.js'
import { eventTypes } from '../support/security-events.js'
import { startTestServer, type TestServer } from '../support/test-app.js'
import { codeAt, STEP_MS, wrongCode } from '../support/two-factor.js'
import { recordingFetch } from './harness.js'

// The two-factor calls of `latchkey/client` (contract §10) against a real server. Codes are
// computed from the secret the server returned, at the server's fake clock, as an app would.

describe('client: two-factor calls', { timeout: 120_000 }, () => {
  let server: TestServer
  const opened: LatchkeyClient[] = []
  before(async () => {
    server = await startTestServer({ dialect: DIALECTS[0]! })
  })
  after(async () => {
    for (const client of opened) client.close()
    await server.close()
  })

  function client(onSessionEnded?: (event: SessionEndedEvent) => void): LatchkeyClient {
    const created = createClient({ baseUrl: server.url, ...(onSessionEnded === undefined ? {} : { onSessionEnded }) })
    opened.push(created)
    return created
  }

  /** The code an authenticator app shows now; the clock then moves a step on, so the next code is new. */
  function nextCode(secret: string): string {
    const code = codeAt(secret, server.clock.now())
    server.clock.advance(STEP_MS)
    return code
  }

  /** The mfaToken of the first step of a login of a user whose factor is on. */
  async function passwordStep(anyClient: LatchkeyClient, user: { userName: string; password: string }): Promise<string> {
    const error = await anyClient.login(user).then(
      () => assert.fail('the password alone signed in'),
      (failure: unknown) => failure,
    )
    assert.ok(isMfaRequired(error), String(error))
    return error.mfaToken
  }

  it('startTotpEnrollment and confirmTotp turn the factor on: 10 recovery codes, this session kept, the others ended', async () => {
    const user = await server.register()
    const endedElsewhere: SessionEndedEvent[] = []
    const other = client((event) => endedElsewhere.push(event))
    await other.login(user)
    const { fetch, log } = recordingFetch()
    const owner = createClient({ baseUrl: server.url, fetch })
    opened.push(owner)
    await owner.login(user)

    await assert.rejects(owner.startTotpEnrollment('wrong password here'), (error) => isLatchkeyError(error, 'invalid_current_password') && error.status === 403)
    await assert.rejects(owner.confirmTotp('123456'), (error) => isLatchkeyError(error, 'not_found'), 'no pending secret yet')
    const enrollment = await owner.startTotpEnrollment(user.password)
    assert.match(enrollment.secret, /^[A-Z2-7]{32,}$/)
    assert.ok(enrollment.otpauthUri.startsWith('otpauth://totp/'))
    assert.equal(new URL(enrollment.otpauthUri).searchParams.get('secret'), enrollment.secret)
    assert.equal((await owner.me()).mfaEnabled, false, 'nothing is on before the confirmation')

    await assert.rejects(owner.confirmTotp(wrongCode(enrollment.secret, server.clock.now())), (error) => isLatchkeyError(error, 'invalid_mfa_code') && error.status === 400)
    const { recoveryCodes } = await owner.confirmTotp(nextCode(enrollment.secret))
    assert.equal(recoveryCodes.length, 10)
    assert.equal(new Set(recoveryCodes).size, 10)
    assert.equal((await owner.me()).mfaEnabled, true, 'this session keeps working')
    assert.ok(log.calls.includes('POST /api/accounts/me/mfa/totp/confirm'))
    await assert.rejects(other.me(), (error) => isLatchkeyError(error, 'invalid_token'))
    assert.deepEqual(endedElsewhere, [{ reason: 'token_rejected' }], 'the other session ended')
    await assert.rejects(owner.startTotpEnrollment(user.password), (error) => isLatchkeyError(error, 'mfa_already_enabled') && error.status === 409)
    assert.ok((await eventTypes(server.ctx.store, user.id)).includes('mfa_enabled'))
  })

  it('regenerateRecoveryCodes replaces the codes; disableMfa (with a recovery code) turns the factor off', async () => {
    const user = await server.register()
    const owner = client()
    await owner.login(user)
    const { secret } = await owner.startTotpEnrollment(user.password)
    const first = await owner.confirmTotp(nextCode(secret))

    await assert.rejects(
      owner.regenerateRecoveryCodes({ currentPassword: 'wrong password here', code: nextCode(secret) }),
      (error) => isLatchkeyError(error, 'invalid_current_password'),
    )
    const second = await owner.regenerateRecoveryCodes({ currentPassword: user.password, code: nextCode(secret) })
    assert.equal(second.recoveryCodes.length, 10)
    assert.equal(second.recoveryCodes.filter((code) => first.recoveryCodes.includes(code)).length, 0, 'all new')

    // An old recovery code no longer completes a login; a new one does.
    const device = client()
    await assert.rejects(device.loginMfa({ mfaToken: await passwordStep(device, user), code: first.recoveryCodes[0]! }), (error) => isLatchkeyError(error, 'invalid_mfa_code') && error.status === 401)
    await device.loginMfa({ mfaToken: await passwordStep(device, user), code: second.recoveryCodes[0]! })
    assert.equal((await device.me()).id, user.id)

    await assert.rejects(owner.disableMfa({ currentPassword: user.password, code: wrongCode(secret, server.clock.now()) }), (error) => isLatchkeyError(error, 'invalid_mfa_code'))
    assert.equal(await owner.disableMfa({ currentPassword: user.password, code: second.recoveryCodes[1]! }), undefined)
    assert.equal((await owner.me()).mfaEnabled, false)
    await assert.rejects(owner.disableMfa({ currentPassword: user.password, code: nextCode(secret) }), (error) => isLatchkeyError(error, 'not_found'), 'already off')
    await assert.rejects(owner.regenerateRecoveryCodes({ currentPassword: user.password, code: nextCode(secret) }), (error) => isLatchkeyError(error, 'not_found'))

    const plain = client()
    await plain.login(user)
    assert.equal((await plain.me()).mfaEnabled, false, 'the password alone signs in again')
    const types = await eventTypes(server.ctx.store, user.id)
    for (const type of ['mfa_enabled', 'recovery_code_used', 'mfa_disabled'] as const) assert.ok(types.includes(type), `${type} in ${types}`)
  })
})
