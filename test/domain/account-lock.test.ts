import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ACCOUNT_FAILURE_WINDOW_MS, accountLockedUntil, isKnownAddress, KNOWN_ADDRESS_MS } from '../../src/domain/account-lock.js'

const T0 = Date.UTC(2026, 10, 30, 12)

describe('accountLockedUntil: 100 failures in the last hour', { timeout: 10_000 }, () => {
  const rows: { name: string; hundredth: number | undefined; nowMs: number; until: number | undefined }[] = [
    { name: 'fewer than 100 failures ever', hundredth: undefined, nowMs: T0, until: undefined },
    { name: 'the 100th latest failure just now', hundredth: T0, nowMs: T0, until: T0 + ACCOUNT_FAILURE_WINDOW_MS },
    { name: 'the 100th latest failure 59 minutes ago', hundredth: T0, nowMs: T0 + 59 * 60_000, until: T0 + ACCOUNT_FAILURE_WINDOW_MS },
    { name: 'the 100th latest failure an hour ago: below 100 in the hour', hundredth: T0, nowMs: T0 + ACCOUNT_FAILURE_WINDOW_MS, until: undefined },
  ]
  for (const row of rows) {
    it(row.name, { timeout: 1_000 }, () => assert.equal(accountLockedUntil(row.hundredth, row.nowMs), row.until))
  }
})

describe('isKnownAddress: a login from it in the last 30 days', { timeout: 10_000 }, () => {
  const rows: { name: string; lastLogin: number | undefined; nowMs: number; known: boolean }[] = [
    { name: 'never logged in from it', lastLogin: undefined, nowMs: T0, known: false },
    { name: 'logged in from it just now', lastLogin: T0, nowMs: T0, known: true },
    { name: 'a millisecond short of 30 days', lastLogin: T0, nowMs: T0 + KNOWN_ADDRESS_MS - 1, known: true },
    { name: '30 days ago', lastLogin: T0, nowMs: T0 + KNOWN_ADDRESS_MS, known: false },
  ]
  for (const row of rows) {
    it(row.name, { timeout: 1_000 }, () => assert.equal(isKnownAddress(row.lastLogin, row.nowMs), row.known))
  }
})
