import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { codePointLength, hasForbiddenCodePoints } from '../../src/domain/text.js'

const KEY = '\u{1F511}'

interface LengthRow {
  name: string
  value: string
  expected: number
}

const lengthRows: LengthRow[] = [
  { name: 'counts the empty string as 0', value: '', expected: 0 },
  { name: 'counts ASCII characters one each', value: 'latchkey', expected: 8 },
  { name: 'counts a BMP letter as 1', value: '\u00E9', expected: 1 },
  { name: 'counts an emoji (a surrogate pair) as 1', value: KEY, expected: 1 },
  { name: 'counts 100 astral characters (200 UTF-16 units) as 100', value: '\u{1D49C}'.repeat(100), expected: 100 },
  { name: 'does not normalise: e + U+0301 is 2', value: 'e\u0301', expected: 2 },
  { name: 'counts a lone surrogate as 1', value: '\uD800', expected: 1 },
  { name: 'counts mixed text by code points', value: `a${KEY}b\u00E9`, expected: 4 },
]

interface ForbiddenRow {
  name: string
  value: string
  expected: boolean
}

const forbiddenRows: ForbiddenRow[] = [
  { name: 'allows the empty string', value: '', expected: false },
  { name: 'allows plain text', value: 'Ada Lovelace', expected: false },
  { name: 'allows a surrogate pair', value: `key ${KEY}`, expected: false },
  { name: 'allows other control characters', value: 'a\u0001\u001F\u007Fb', expected: false },
  { name: 'allows a noncharacter', value: '\uFFFF', expected: false },
  { name: 'refuses U+0000 alone', value: '\u0000', expected: true },
  { name: 'refuses U+0000 inside a string', value: 'ada\u0000lovelace', expected: true },
  { name: 'refuses a lone high surrogate', value: '\uD83D', expected: true },
  { name: 'refuses a lone low surrogate', value: '\uDD11', expected: true },
  { name: 'refuses a pair in the wrong order', value: '\uDD11\uD83D', expected: true },
  { name: 'refuses a pair cut short at the end', value: `ada${KEY.slice(0, 1)}`, expected: true },
]

describe('codePointLength: lengths as the contract counts them', { timeout: 10_000 }, () => {
  for (const row of lengthRows) {
    it(row.name, () => {
      assert.equal(codePointLength(row.value), row.expected)
    })
  }
})

describe('hasForbiddenCodePoints: U+0000 and unpaired surrogates', { timeout: 10_000 }, () => {
  for (const row of forbiddenRows) {
    it(row.name, () => {
      assert.equal(hasForbiddenCodePoints(row.value), row.expected)
    })
  }
})
