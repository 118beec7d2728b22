import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createClient, isLatchkeyError, localStorageAdapter, type SessionEndedEvent, type WebStorageLike } from '../../src/client/index.js'
import { DIALECTS } from '../support/dialects.js'
import { eventTypes } from '../support/security-events.js'
import { linkIn, type SmtpSink, startSmtpSink, tokenIn } from '../support/smtp-sink.js'
import { startTestServer, type TestServer } from '../support/test-app.js'
import { recordingFetch, spyStorage } from './harness.js'

// Issue 10 part 1: pluggable storage (the only place tokens are written), logout, and every call
// of the client against the endpoint docs/api.md names.

const NEW_PASSWORD = 'a new and better passphrase'

describe('client: storage', { timeout: 120_000 }, () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ dialect: DIALECTS[0]! })
  })
  after(() => server.close())

  it('keeps the tokens in memory by default', async () => {
    const user = await server.register()
    const client = createClient({ baseUrl: server.url })
    assert.equal(await client.isSignedIn(), false)
    await client.login(user)
    assert.equal(await client.isSignedIn(), true)
    assert.equal((await client.me()).userName, user.userName)
    client.close()
  })

  it('a custom storage sees the login and the logout; logout ends the session on the server', async () => {
    const user = await server.register()
    const storage = spyStorage()
    const ended: SessionEndedEvent[] = []
    const { fetch, log } = recordingFetch()
    const client = createClient({ baseUrl: server.url, storage, fetch, onSessionEnded: (event) => ended.push(event) })
    await client.login(user)
    const stored = storage.peek()!
    assert.equal(typeof stored.accessToken, 'string')
    assert.equal(typeof stored.refreshToken, 'string')
    assert.ok(stored.expiresAtMs > stored.receivedAtMs)

    await client.logout()

    assert.deepEqual(storage.ops, ['set', 'clear'])
    assert.deepEqual(ended, [{ reason: 'logout' }])
    assert.ok(log.calls.includes('POST /api/auth/logout'))
    const refresh = await server.request('POST', '/api/auth/refreshtoken', { body: { refreshToken: stored.refreshToken } })
    assert.equal(refresh.body.code, 'invalid_grant', 'the session ended on the server')
    client.close()
  })

  it('logout clears the storage even when the server cannot be reached', async () => {
    const user = await server.register()
    const storage = spyStorage()
    const { fetch } = recordingFetch(({ path }) => (path === '/api/auth/logout' ? Promise.reject(new TypeError('fetch failed')) : undefined))
    const client = createClient({ baseUrl: server.url, storage, fetch })
    await client.login(user)
    await client.logout()
    assert.deepEqual(storage.ops, ['set', 'clear'])
    assert.equal(await client.isSignedIn(), false)
    client.close()
  })

  it('localStorageAdapter keeps the tokens as JSON under its key, shared by every adapter of that key', async () => {
    const area = new Map<string, string>()
    const webStorage: WebStorageLike = {
      getItem: (key) => area.get(key) ?? null,
      setItem: (key, value) => void area.set(key, value),
      removeItem: (key) => void area.delete(key),
    }
    const user = await server.register()
    const client = createClient({ baseUrl: server.url, storage: localStorageAdapter(undefined, webStorage) })
    await client.login(user)
    assert.deepEqual([...area.keys()], ['latchkey'])
    // A reload: a new client on the same storage is signed in.
    const reloaded = createClient({ baseUrl: server.url, storage: localStorageAdapter('latchkey', webStorage) })
    assert.equal((await reloaded.me()).userName, user.userName)
    area.set('latchkey', '{not json')
    assert.equal(await reloaded.isSignedIn(), false, 'unreadable data counts as signed out')
    assert.throws(() => localStorageAdapter().get(), /no localStorage/)
    client.close()
    reloaded.close()
  })
})

describe('client: account, session and mail calls', { timeout: 120_000 }, () => {
  let sink: SmtpSink
  let server: TestServer
  before(async () => {
    sink = await startSmtpSink()
    server = await startTestServer({ dialect: DIALECTS[0]!, env: { SMTP_URL: sink.url } })
  })
  after(async () => {
    await server.close()
    await sink.close()
  })

  it('register, me, sessions, endSession, activity and changePassword', async () => {
    const client = createClient({ baseUrl: server.url })
    const input = { firstName: 'Ada', lastName: 'Lovelace', email: `ada.${process.pid}@example.com`, userName: `ada_${process.pid}`, password: 'correct horse battery staple' }
    const { id } = await client.register(input)
    assert.equal(typeof id, 'string')
    await client.login({ userName: input.userName, password: input.password })
    const other = createClient({ baseUrl: server.url })
    await other.login({ userName: input.email, password: input.password })

    const me = await client.me()
    assert.deepEqual({ id: me.id, userName: me.userName, emailVerified: me.emailVerified, roles: me.roles }, { id, userName: input.userName, emailVerified: false, roles: ['api_access'] })
    const sessions = await client.sessions()
    assert.equal(sessions.length, 2)
    assert.equal(sessions.filter((session) => session.current).length, 1)
    await client.endSession(sessions.find((session) => !session.current)!.id)
    assert.equal((await client.sessions()).length, 1)
    await assert.rejects(other.me(), (error) => isLatchkeyError(error, 'invalid_token'))
    assert.equal(await other.isSignedIn(), false, 'the ended device noticed')

    await assert.rejects(client.changePassword({ currentPassword: 'wrong password here', newPassword: NEW_PASSWORD }), (error) => isLatchkeyError(error, 'invalid_current_password') && error.status === 403)
    await client.changePassword({ currentPassword: input.password, newPassword: NEW_PASSWORD })
    assert.equal((await client.me()).id, id, 'this session keeps working')
    const types = (await client.activity()).map((event) => event.type)
    for (const type of ['registered', 'login_succeeded', 'session_ended', 'login_failed', 'password_changed']) assert.ok(types.includes(type), `${type} in ${types}`)

    const ended: SessionEndedEvent[] = []
    const self = createClient({ baseUrl: server.url, onSessionEnded: (event) => ended.push(event) })
    await self.login({ userName: input.userName, password: NEW_PASSWORD })
    const own = (await self.sessions()).find((session) => session.current)!
    await self.endSession(own.id)
    assert.equal(await self.isSignedIn(), false, 'ending its own session signs the client out')
    assert.deepEqual(ended, [{ reason: 'logout' }])
    client.close()
    other.close()
    self.close()
  })

  it('sendVerification and verifyEmail', async () => {
    const user = await server.register()
    const client = createClient({ baseUrl: server.url })
    await client.login(user)
    await client.sendVerification(user.email)
    const token = tokenIn(linkIn(await sink.nextMail(user.email)))
    await assert.rejects(client.verifyEmail('x'.repeat(43)), (error) => isLatchkeyError(error, 'invalid_link') && error.status === 400)
    await client.verifyEmail(token)
    assert.equal((await client.me()).emailVerified, true)
    client.close()
  })

  it('sendPasswordReset resolves on 202; resetPassword ends every session, this client notices', async () => {
    const user = await server.register()
    const ended: SessionEndedEvent[] = []
    const client = createClient({ baseUrl: server.url, onSessionEnded: (event) => ended.push(event) })
    await client.login(user)
    assert.equal(await client.sendPasswordReset(user.email), undefined)
    assert.equal(await client.sendPasswordReset('nobody@example.com'), undefined, 'the same answer for an unknown address')
    const token = tokenIn(linkIn(await sink.nextMail(user.email)))
    await assert.rejects(client.resetPassword({ token, newPassword: 'short' }), (error) => isLatchkeyError(error, 'validation_failed') && error.errors?.newPassword !== undefined)
    await client.resetPassword({ token, newPassword: NEW_PASSWORD })

    await assert.rejects(client.me(), (error) => isLatchkeyError(error, 'invalid_token'))
    assert.deepEqual(ended, [{ reason: 'token_rejected' }])
    await client.login({ userName: user.userName, password: NEW_PASSWORD })
    assert.ok((await eventTypes(server.ctx.store, user.id)).includes('password_reset'))
    client.close()
  })

  it('changeEmail mails a link to the new address; a wrong password is invalid_current_password', async () => {
    const user = await server.register()
    const client = createClient({ baseUrl: server.url })
    await client.login(user)
    const newEmail = `moved.${user.userName}@example.com`
    await assert.rejects(client.changeEmail({ newEmail, currentPassword: 'wrong password here' }), (error) => isLatchkeyError(error, 'invalid_current_password'))
    await client.changeEmail({ newEmail, currentPassword: user.password })
    await client.verifyEmail(tokenIn(linkIn(await sink.nextMail(newEmail))))
    assert.equal((await client.me()).email, newEmail)
    client.close()
  })

  it('logoutAll ends every session of the user and clears this client', async () => {
    const user = await server.register()
    const storage = spyStorage()
    const client = createClient({ baseUrl: server.url, storage })
    const other = createClient({ baseUrl: server.url })
    await client.login(user)
    await other.login(user)
    await client.logoutAll()
    assert.deepEqual(storage.ops, ['set', 'clear'])
    await assert.rejects(other.me(), (error) => isLatchkeyError(error, 'invalid_token'))
    client.close()
    other.close()
  })
})
