import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { countEvents } from '../support/security-events.js'
import { startTestServer, type TestResponse, type TestServer } from '../support/test-app.js'

const RACERS = 10

function refresh(server: TestServer, refreshToken: string): Promise<TestResponse> {
  return server.request('POST', '/api/auth/refreshtoken', { body: { refreshToken } })
}

function race(server: TestServer, refreshToken: string, racers = RACERS): Promise<TestResponse[]> {
  return Promise.all(Array.from({ length: racers }, () => refresh(server, refreshToken)))
}

const reuseEvents = (server: TestServer, userId: string) => countEvents(server.ctx.store, userId, 'refresh_reuse_detected')

for (const dialect of DIALECTS) {
  describe(`concurrent refreshes with a grace (${dialect.name})`, { timeout: 60_000 }, () => {
    let server: TestServer
    let user: Awaited<ReturnType<TestServer['register']>>
    before(async () => {
      server = await startTestServer({ dialect, env: { RATE_LIMIT_PER_MINUTE: '0' } })
      user = await server.register()
    })
    after(() => server.close())

    it(`gives ${RACERS} concurrent refreshes of one token all 200 and one and the same successor`, async () => {
      for (let round = 0; round < 3; round++) {
        const tokens = await server.login(user.userName, user.password)
        const responses = await race(server, tokens.refreshToken)
        assert.deepEqual(responses.map((response) => response.status), Array(RACERS).fill(200))
        const successors = new Set(responses.map((response) => response.body.refreshToken))
        assert.equal(successors.size, 1)
        assert.equal(new Set(responses.map((response) => response.body.accessToken.token)).size, RACERS)
        for (const response of responses) {
          assert.equal((await server.request('GET', '/api/protected', { token: response.body.accessToken.token })).status, 200)
        }
        const [successor] = successors
        assert.equal((await refresh(server, String(successor))).status, 200)
      }
      assert.equal(await reuseEvents(server, user.id), 0)
    })

    it('settles a grace presentation racing the successor consistently: the grace answer is the successor or reuse', async () => {
      for (let round = 0; round < 5; round++) {
        const tokens = await server.login(user.userName, user.password)
        const rotated = await refresh(server, tokens.refreshToken)
        const [graceAnswer, successorAnswer] = await Promise.all([refresh(server, tokens.refreshToken), refresh(server, rotated.body.refreshToken)])
        // The successor was presented first or second; either way its own rotation succeeded.
        assert.equal(successorAnswer?.status, 200)
        if (graceAnswer?.status === 200) {
          assert.equal(graceAnswer.body.refreshToken, rotated.body.refreshToken)
          assert.equal((await refresh(server, successorAnswer?.body.refreshToken)).status, 200)
        } else {
          assert.equal(graceAnswer?.body.code, 'invalid_grant')
          assert.equal((await refresh(server, successorAnswer?.body.refreshToken)).body.code, 'invalid_grant')
        }
      }
    })
  })

  describe(`concurrent refreshes without a grace (${dialect.name})`, { timeout: 60_000 }, () => {
    let server: TestServer
    let user: Awaited<ReturnType<TestServer['register']>>
    before(async () => {
      server = await startTestServer({ dialect, env: { RATE_LIMIT_PER_MINUTE: '0', REFRESH_REUSE_GRACE: '0' } })
      user = await server.register()
    })
    after(() => server.close())

    it(`gives exactly one of ${RACERS} concurrent refreshes of one token a 200; the rest are reuse and end the session`, async () => {
      for (let round = 0; round < 3; round++) {
        const tokens = await server.login(user.userName, user.password)
        const before = await reuseEvents(server, user.id)
        const responses = await race(server, tokens.refreshToken)
        const winners = responses.filter((response) => response.status === 200)
        assert.equal(winners.length, 1)
        for (const loser of responses.filter((response) => response.status !== 200)) {
          assert.equal(loser.status, 400)
          assert.equal(loser.body.code, 'invalid_grant')
        }
        assert.equal(await reuseEvents(server, user.id), before + 1)
        assert.equal((await refresh(server, winners[0]?.body.refreshToken)).body.code, 'invalid_grant')
        assert.equal((await server.request('GET', '/api/protected', { token: winners[0]?.body.accessToken.token })).status, 401)
      }
    })

    it('treats the very next presentation of a used token as reuse', async () => {
      const tokens = await server.login(user.userName, user.password)
      assert.equal((await refresh(server, tokens.refreshToken)).status, 200)
      assert.equal((await refresh(server, tokens.refreshToken)).body.code, 'invalid_grant')
    })
  })
}
