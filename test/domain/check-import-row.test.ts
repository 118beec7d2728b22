import assert from 'node:assert/strict'
import { pbkdf2Sync } from 'node:crypto'
import { describe, it } from 'node:test'
import type { IdentityPrf } from '../../src/crypto/identity-hash.js'
import { checkImportRow, type ImportRow } from '../../src/domain/check-import-row.js'

/** The ASP.NET Core sample's seeded user: PBKDF2-HMAC-SHA256, 10,000 iterations (Identity v3). */
const SAMPLE = {
  userName: 'mmacneil',
  password: 'Pa$$W0rd1',
  hash: 'AQAAAAEAACcQAAAAEKQBX+Qqr/M3qmEcoM3Y/M/8XtVKZ9RnaiXlamue6MIuhOoYONHS7BUHkmOxpF/X3w==',
}

const SALT = Buffer.alloc(16, 7)
const PRF_NUMBERS: Record<IdentityPrf, number> = { sha1: 0, sha256: 1, sha512: 2 }

/** Identity v2: 0x00 | salt(16) | PBKDF2-HMAC-SHA1 × 1000 subkey(32). */
function identityV2(password: string, subkeyLength = 32): string {
  return Buffer.concat([Buffer.from([0x00]), SALT, pbkdf2Sync(password, SALT, 1000, subkeyLength, 'sha1')]).toString('base64')
}

/** Identity v3: 0x01 | prf | iterations | salt length (big-endian u32) | salt | subkey. */
function identityV3(
  password: string,
  { prf = 'sha512', prfNumber = PRF_NUMBERS[prf], iterations = 1000, salt = SALT }: { prf?: IdentityPrf; prfNumber?: number; iterations?: number; salt?: Buffer } = {},
): string {
  const header = Buffer.alloc(13)
  header.writeUInt8(0x01, 0)
  header.writeUInt32BE(prfNumber, 1)
  header.writeUInt32BE(iterations, 5)
  header.writeUInt32BE(salt.length, 9)
  const subkey = pbkdf2Sync(password, salt, Math.max(iterations, 1), 32, prf)
  return Buffer.concat([header, salt, subkey]).toString('base64')
}

const V2 = identityV2('old password')
const V3_SHA512 = identityV3('old password', { iterations: 100_000 })

/** A minimal valid row in the export's own PascalCase. */
const row = (changes: Record<string, unknown> = {}) => ({ UserName: 'mark', Email: 'mark@example.com', PasswordHash: V2, ...changes })

interface ValidRow {
  name: string
  value: unknown
  expected: Omit<ImportRow, 'legacyHash'> & { prf: IdentityPrf; iterations: number; password?: string }
}

const validRows: ValidRow[] = [
  {
    name: "accepts the sample's mmacneil row with its v3 SHA-256 hash",
    value: { UserName: SAMPLE.userName, Email: 'mark@fullstackmark.com', PasswordHash: SAMPLE.hash, FirstName: 'Mark', LastName: 'Macneil' },
    expected: { userName: 'mmacneil', email: 'mark@fullstackmark.com', firstName: 'Mark', lastName: 'Macneil', roles: ['api_access'], prf: 'sha256', iterations: 10_000, password: SAMPLE.password },
  },
  {
    name: 'accepts a v2 hash (PBKDF2-HMAC-SHA1 × 1000)',
    value: row(),
    expected: { userName: 'mark', email: 'mark@example.com', firstName: '', lastName: '', roles: ['api_access'], prf: 'sha1', iterations: 1000, password: 'old password' },
  },
  {
    name: 'accepts a v3 SHA-512 hash with the iteration count it states',
    value: row({ PasswordHash: V3_SHA512 }),
    expected: { userName: 'mark', email: 'mark@example.com', firstName: '', lastName: '', roles: ['api_access'], prf: 'sha512', iterations: 100_000, password: 'old password' },
  },
  {
    name: 'matches keys ignoring ASCII case and ignores unknown ones',
    value: { USERNAME: 'mark', eMaIl: 'mark@example.com', passwordhash: V2, NormalizedUserName: 'MARK', SecurityStamp: 'x', Id: 42 },
    expected: { userName: 'mark', email: 'mark@example.com', firstName: '', lastName: '', roles: ['api_access'], prf: 'sha1', iterations: 1000 },
  },
  {
    name: 'stores absent and null names as empty strings',
    value: row({ FirstName: null }),
    expected: { userName: 'mark', email: 'mark@example.com', firstName: '', lastName: '', roles: ['api_access'], prf: 'sha1', iterations: 1000 },
  },
  {
    name: 'trims names, and stores a name of spaces only as empty',
    value: row({ FirstName: '  Mark ', LastName: '   ' }),
    expected: { userName: 'mark', email: 'mark@example.com', firstName: 'Mark', lastName: '', roles: ['api_access'], prf: 'sha1', iterations: 1000 },
  },
  {
    name: 'trims the email and keeps its letter case',
    value: row({ Email: ' Mark@Example.COM ' }),
    expected: { userName: 'mark', email: 'Mark@Example.COM', firstName: '', lastName: '', roles: ['api_access'], prf: 'sha1', iterations: 1000 },
  },
  {
    name: 'adds api_access to the roles given',
    value: row({ Roles: ['admin', 'billing.read'] }),
    expected: { userName: 'mark', email: 'mark@example.com', firstName: '', lastName: '', roles: ['api_access', 'admin', 'billing.read'], prf: 'sha1', iterations: 1000 },
  },
  {
    name: 'keeps each role once',
    value: row({ Roles: ['admin', 'api_access', 'admin'] }),
    expected: { userName: 'mark', email: 'mark@example.com', firstName: '', lastName: '', roles: ['api_access', 'admin'], prf: 'sha1', iterations: 1000 },
  },
  {
    name: 'gives api_access for an empty role list',
    value: row({ Roles: [] }),
    expected: { userName: 'mark', email: 'mark@example.com', firstName: '', lastName: '', roles: ['api_access'], prf: 'sha1', iterations: 1000 },
  },
  {
    name: 'gives api_access for null roles',
    value: row({ Roles: null }),
    expected: { userName: 'mark', email: 'mark@example.com', firstName: '', lastName: '', roles: ['api_access'], prf: 'sha1', iterations: 1000 },
  },
]

const v2Bytes = Buffer.from(V2, 'base64')
const NOT_AN_OBJECT = 'not a JSON object'

interface InvalidRow {
  name: string
  value: unknown
  /** The user name the bad row is named by. */
  userName: string | undefined
  /** The field each problem names (or the whole problem when it names none), in any order. */
  problems: string[]
}

const invalidRows: InvalidRow[] = [
  { name: 'refuses null', value: null, userName: undefined, problems: [NOT_AN_OBJECT] },
  { name: 'refuses an array', value: [row()], userName: undefined, problems: [NOT_AN_OBJECT] },
  { name: 'refuses a string', value: 'mark', userName: undefined, problems: [NOT_AN_OBJECT] },
  { name: 'refuses a missing user name', value: row({ UserName: undefined }), userName: undefined, problems: ['userName'] },
  { name: 'refuses an empty user name as missing', value: row({ UserName: '' }), userName: undefined, problems: ['userName'] },
  { name: 'refuses a missing email, naming the row by its user name', value: row({ Email: undefined }), userName: 'mark', problems: ['email'] },
  { name: 'refuses a null email', value: row({ Email: null }), userName: 'mark', problems: ['email'] },
  { name: 'refuses a missing password hash', value: row({ PasswordHash: undefined }), userName: 'mark', problems: ['passwordHash'] },
  { name: 'refuses a user name given twice under two spellings', value: row({ userName: 'mark2' }), userName: 'mark2', problems: ['userName'] },
  { name: 'refuses an email given twice under two spellings', value: row({ EMAIL: 'other@example.com' }), userName: 'mark', problems: ['email'] },
  { name: 'refuses a user name that is not a string', value: row({ UserName: 42 }), userName: undefined, problems: ['userName'] },
  { name: 'refuses a user name outside the registration grammar', value: row({ UserName: 'mark macneil' }), userName: 'mark macneil', problems: ['userName'] },
  { name: 'refuses a user name with U+0000', value: row({ UserName: 'mark\u0000' }), userName: 'mark\u0000', problems: ['userName'] },
  { name: 'refuses an email outside the registration grammar', value: row({ Email: 'mark at example.com' }), userName: 'mark', problems: ['email'] },
  { name: 'refuses a first name that is not a string', value: row({ FirstName: 7 }), userName: 'mark', problems: ['firstName'] },
  { name: 'refuses a last name of 101 characters', value: row({ LastName: 'm'.repeat(101) }), userName: 'mark', problems: ['lastName'] },
  { name: 'refuses roles that are not an array', value: row({ Roles: 'admin' }), userName: 'mark', problems: ['roles'] },
  { name: 'refuses roles that are not strings', value: row({ Roles: ['admin', 1] }), userName: 'mark', problems: ['roles'] },
  { name: 'refuses a role name outside [a-z0-9_.:-]{1,64}', value: row({ Roles: ['Admin'] }), userName: 'mark', problems: ['roles'] },
  { name: 'refuses a hash that is not base64', value: row({ PasswordHash: 'not base64!' }), userName: 'mark', problems: ['passwordHash'] },
  { name: 'refuses a hash with its padding cut off', value: row({ PasswordHash: SAMPLE.hash.replace(/=+$/, '') }), userName: 'mark', problems: ['passwordHash'] },
  { name: 'refuses a bcrypt hash', value: row({ PasswordHash: '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy' }), userName: 'mark', problems: ['passwordHash'] },
  { name: 'refuses a v2 hash one byte short', value: row({ PasswordHash: v2Bytes.subarray(0, 48).toString('base64') }), userName: 'mark', problems: ['passwordHash'] },
  { name: 'refuses a v2 hash one byte long', value: row({ PasswordHash: Buffer.concat([v2Bytes, Buffer.from([0])]).toString('base64') }), userName: 'mark', problems: ['passwordHash'] },
  { name: 'refuses an unknown format marker', value: row({ PasswordHash: Buffer.concat([Buffer.from([0x02]), v2Bytes.subarray(1)]).toString('base64') }), userName: 'mark', problems: ['passwordHash'] },
  { name: 'refuses a v3 hash with an unknown PRF', value: row({ PasswordHash: identityV3('pw', { prfNumber: 3 }) }), userName: 'mark', problems: ['passwordHash'] },
  { name: 'refuses a v3 hash stating 0 iterations', value: row({ PasswordHash: identityV3('pw', { iterations: 0 }) }), userName: 'mark', problems: ['passwordHash'] },
  { name: 'refuses a v3 hash with a salt under 16 bytes', value: row({ PasswordHash: identityV3('pw', { salt: Buffer.alloc(8, 1) }) }), userName: 'mark', problems: ['passwordHash'] },
  { name: 'refuses a v3 header without salt or subkey', value: row({ PasswordHash: Buffer.from(SAMPLE.hash, 'base64').subarray(0, 13).toString('base64') }), userName: 'mark', problems: ['passwordHash'] },
  {
    name: 'names every problem of a row at once',
    value: row({ Email: undefined, PasswordHash: 'AAAA', Roles: 'admin', FirstName: 3 }),
    userName: 'mark',
    problems: ['email', 'passwordHash', 'roles', 'firstName'],
  },
]

const FIELD = /^(userName|email|passwordHash|firstName|lastName|roles)\b/
const fieldOf = (problem: string) => FIELD.exec(problem)?.[1] ?? problem

describe('checkImportRow: rows an import accepts', { timeout: 10_000 }, () => {
  for (const { name, value, expected } of validRows) {
    it(name, () => {
      const checked = checkImportRow(value)
      assert.ok(checked.ok, checked.ok ? '' : checked.problems.join('; '))
      const { legacyHash, ...identity } = checked.row
      const { prf, iterations, password, ...expectedIdentity } = expected
      assert.deepEqual(identity, expectedIdentity)
      assert.equal(legacyHash.prf, prf)
      assert.equal(legacyHash.iterations, iterations)
      if (password !== undefined) {
        const derived = pbkdf2Sync(password, legacyHash.salt, iterations, legacyHash.subkey.length, prf)
        assert.ok(derived.equals(legacyHash.subkey), 'the parsed subkey is the one the old password derives')
      }
    })
  }
})

describe('checkImportRow: rows an import refuses, and why', { timeout: 10_000 }, () => {
  for (const { name, value, userName, problems } of invalidRows) {
    it(name, () => {
      const checked = checkImportRow(value)
      assert.ok(!checked.ok, 'expected the row to be refused')
      assert.equal(checked.userName, userName)
      assert.deepEqual(checked.problems.map(fieldOf).sort(), [...problems].sort(), checked.problems.join('; '))
    })
  }
})
