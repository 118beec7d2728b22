import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, loadConfig } from '../src/config.js'

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems]
    throw error
  }
  return []
}

describe('configuration', { timeout: 30_000 }, () => {
  it('starts with the documented defaults when nothing is set', () => {
    const config = loadConfig({})
    assert.equal(config.port, 5000)
    assert.equal(config.host, '127.0.0.1')
    assert.equal(config.workers, 1)
    assert.equal(config.databaseUrl, 'sqlite:./data/latchkey.db')
    assert.equal(config.jwtAlgorithm, 'EdDSA')
    assert.equal(config.accessTokenTtlSeconds, 900)
    assert.equal(config.refreshTokenTtlSeconds, 432_000)
    assert.equal(config.sessionTtlSeconds, 2_592_000)
    assert.equal(config.refreshReuseGraceSeconds, 10)
    assert.equal(config.clockSkewSeconds, 0)
    assert.equal(config.passwordMinLength, 8)
    assert.equal(config.rateLimitPerMinute, 60)
    assert.equal(config.loginMaxFailures, 5)
    assert.equal(config.trustProxy, false)
    assert.deepEqual(config.corsOrigins, [])
    assert.equal(config.apiDocs, true)
    assert.equal(config.accountConsole, true)
    assert.equal(config.logLevel, 'info')
    assert.ok(Object.isFrozen(config))
  })

  it('reports every bad variable together, naming each', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      WORKERS: '65',
      ACCESS_TOKEN_TTL: '0',
      REFRESH_REUSE_GRACE: '61',
      CLOCK_SKEW: '-1',
      PASSWORD_MIN_LENGTH: '7',
      LOGIN_MAX_FAILURES: '101',
      API_DOCS: 'yes',
      LOG_LEVEL: 'loud',
      JWT_ALGORITHM: 'none',
      TRUST_PROXY: '11',
      CORS_ORIGINS: 'https://ok.example.com,not an origin',
      REDIS_URL: 'http://127.0.0.1:6379',
      DATABASE_URL: 'mysql://x',
    })
    const text = problems.join('\n')
    for (const name of [
      'PORT',
      'WORKERS',
      'ACCESS_TOKEN_TTL',
      'REFRESH_REUSE_GRACE',
      'CLOCK_SKEW',
      'PASSWORD_MIN_LENGTH',
      'LOGIN_MAX_FAILURES',
      'API_DOCS',
      'LOG_LEVEL',
      'JWT_ALGORITHM',
      'TRUST_PROXY',
      'CORS_ORIGINS',
      'REDIS_URL',
      'DATABASE_URL',
    ]) {
      assert.match(text, new RegExp(`\\b${name}\\b`), `${name} is not named`)
    }
  })

  it('accepts plain decimal integers only', () => {
    for (const value of ['1e3', '0x10', ' 5', '5.0', '+5']) assert.ok(problemsOf({ PORT: value }).length > 0, value)
  })

  it('keeps the lifetimes ordered: refresh ≥ access, session ≥ refresh', () => {
    assert.match(problemsOf({ ACCESS_TOKEN_TTL: '600', REFRESH_TOKEN_TTL: '300' }).join(), /REFRESH_TOKEN_TTL/)
    assert.match(problemsOf({ REFRESH_TOKEN_TTL: '600', SESSION_TTL: '300' }).join(), /SESSION_TTL/)
    assert.deepEqual(problemsOf({ ACCESS_TOKEN_TTL: '5', REFRESH_TOKEN_TTL: '5', SESSION_TTL: '5' }), [])
  })

  it('requires a JWT_SECRET of at least 32 bytes for HS256, in every environment', () => {
    assert.match(problemsOf({ JWT_ALGORITHM: 'HS256' }).join(), /JWT_SECRET/)
    assert.match(problemsOf({ JWT_ALGORITHM: 'HS256', JWT_SECRET: 'short' }).join(), /JWT_SECRET/)
    // 11 three-byte characters: 33 bytes, though only 11 characters.
    assert.deepEqual(problemsOf({ JWT_ALGORITHM: 'HS256', JWT_SECRET: '€'.repeat(11) }), [])
    assert.match(problemsOf({ JWT_ALGORITHM: 'HS256', JWT_SECRET: 'x'.repeat(32), JWT_SECRET_PREVIOUS: 'y' }).join(), /JWT_SECRET_PREVIOUS/)
  })

  it('requires KEY_ENCRYPTION_KEY in production with an asymmetric algorithm, and at least 32 characters', () => {
    assert.match(problemsOf({ NODE_ENV: 'production' }).join(), /KEY_ENCRYPTION_KEY/)
    assert.deepEqual(problemsOf({ NODE_ENV: 'production', KEY_ENCRYPTION_KEY: 'k'.repeat(32) }), [])
    assert.deepEqual(problemsOf({ NODE_ENV: 'production', JWT_ALGORITHM: 'HS256', JWT_SECRET: 's'.repeat(32) }), [])
    assert.match(problemsOf({ KEY_ENCRYPTION_KEY: 'short' }).join(), /KEY_ENCRYPTION_KEY/)
  })

  it('refuses several workers on an in-memory database as a bad WORKERS', () => {
    assert.match(problemsOf({ DATABASE_URL: 'sqlite::memory:', WORKERS: '2' }).join(), /WORKERS/)
    assert.deepEqual(problemsOf({ DATABASE_URL: 'sqlite::memory:' }), [])
  })

  it('reads TRUST_PROXY as false, a hop count, or a list of addresses and CIDRs', () => {
    assert.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false)
    assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2)
    assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy, ['10.0.0.0/8', '::1'])
    assert.ok(problemsOf({ TRUST_PROXY: '0' }).length > 0)
    assert.ok(problemsOf({ TRUST_PROXY: '10.0.0.0/33' }).length > 0)
    assert.ok(problemsOf({ TRUST_PROXY: 'true' }).length > 0)
  })

  it('accepts PostgreSQL and SQLite URLs', () => {
    assert.deepEqual(problemsOf({ DATABASE_URL: 'postgres://u@h:5432/db' }), [])
    assert.deepEqual(problemsOf({ DATABASE_URL: 'postgresql://u@h/db' }), [])
    assert.deepEqual(problemsOf({ DATABASE_URL: 'sqlite:/tmp/x.db' }), [])
    assert.ok(problemsOf({ DATABASE_URL: 'sqlite:' }).length > 0)
  })
})
