import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openDatabase } from '../../src/persistence/database.js'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { FakeClock } from '../support/fake-clock.js'
import { startTestServer } from '../support/test-app.js'
import { latchkey } from './run-latchkey.js'

const DAY_MS = 86_400_000

for (const dialect of DIALECTS) {
  describe(`latchkey migrate and sessions prune (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    before(async () => {
      database = await dialect.create()
    })
    after(() => database.drop())

    it('migrate creates the schema in an empty database and is idempotent', async () => {
      const opened = await openDatabase(database.url)
      try {
        await assert.rejects(opened.db.selectFrom('users').select('id').execute())
        for (let run = 0; run < 2; run++) {
          const result = await latchkey(['migrate'], { env: { DATABASE_URL: database.url } })
          assert.equal(result.code, 0, result.stderr)
          assert.match(result.stdout, /up to date/)
        }
        assert.deepEqual(await opened.db.selectFrom('users').select('id').execute(), [])
      } finally {
        await opened.close()
      }
    })

    it('sessions prune deletes sessions past their end and keeps live ones working', async () => {
      const clock = new FakeClock(Date.now() - 10 * DAY_MS)
      const server = await startTestServer({ dialect, database, clock, env: { RATE_LIMIT_PER_MINUTE: '0' } })
      try {
        const user = await server.register()
        await server.login(user.userName, user.password)
        clock.advance(10 * DAY_MS)
        const live = await server.login(user.userName, user.password)

        const result = await latchkey(['sessions', 'prune'], { env: { DATABASE_URL: database.url } })
        assert.equal(result.code, 0, result.stderr)
        assert.match(result.stdout, /^pruned 1 session;/)
        const opened = await openDatabase(database.url)
        const rows = await opened.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()
        await opened.close()
        assert.equal(rows.length, 1)
        const refreshed = await server.request('POST', '/api/auth/refresh', { body: { refreshToken: live.refreshToken } })
        assert.equal(refreshed.status, 200)
        const again = await latchkey(['sessions', 'prune'], { env: { DATABASE_URL: database.url } })
        assert.match(again.stdout, /^pruned 0 sessions;/)
      } finally {
        await server.close()
      }
    })
  })
}

describe('latchkey failures', { timeout: 120_000 }, () => {
  it('exits non-zero on bad configuration with one line naming every bad variable', async () => {
    const result = await latchkey(['migrate'], { env: { DATABASE_URL: 'mysql://db', JWT_ALGORITHM: 'none', ACCESS_TOKEN_TTL: '0' } })
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '')
    const lines = result.stderr.trim().split('\n')
    assert.equal(lines.length, 1)
    for (const name of ['DATABASE_URL', 'JWT_ALGORITHM', 'ACCESS_TOKEN_TTL']) assert.match(lines[0] ?? '', new RegExp(name))
  })

  it('exits non-zero with one line when the database does not answer', async () => {
    const result = await latchkey(['migrate'], { env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' } })
    assert.equal(result.code, 1)
    assert.equal(result.stderr.trim().split('\n').length, 1)
  })

  it('exits 2 with one line for an unknown command, no command or an unknown option, and 0 for --help', async () => {
    for (const args of [['frobnicate'], [], ['users', 'delete', 'x'], ['sessions', 'prune', '--all'], ['keys', 'list', '--bogus']]) {
      const result = await latchkey(args, { env: {} })
      assert.equal(result.code, 2, args.join(' '))
      assert.equal(result.stderr.trim().split('\n').length, 1)
    }
    const help = await latchkey(['--help'], { env: {} })
    assert.equal(help.code, 0)
    assert.match(help.stdout, /users import \[--skip-invalid\] FILE/)
  })
})
