import { wrapIdentityHash } from '../crypto/password-hasher.js'
import { identifierKey } from '../domain/user.js'
import type { ImportClash, ImportedUser, ImportIdentity } from '../persistence/import-users.js'
import { checkImportRow, type ImportRow } from '../domain/check-import-row.js'
import type { AuthContext } from './context.js'
import { randomId } from '../crypto/random-id.js'

/** Where an import is written: a clash check, and the one transaction that inserts. */
export interface ImportTarget {
  findClashes(identities: readonly ImportIdentity[]): Promise<ImportClash[]>
  save(users: readonly ImportedUser[], options: { skipClashes: boolean }): Promise<{ inserted: number; clashes: ImportClash[] }>
}

/** A row left out, named by its 1-based position in the file and its user name. */
export interface RejectedRow {
  position: number
  userName: string | undefined
  problems: string[]
}

export interface ImportOutcome {
  imported: number
  rejected: RejectedRow[]
  /** True when a bad row stopped the whole import (nothing was written). */
  aborted: boolean
}

/** Hashing runs on libuv's pool (4 threads by default): more in flight would only queue. */
const HASHING_CONCURRENCY = 4

const CLASH_PROBLEM = { duplicate_user_name: 'the user name is already taken', duplicate_email: 'the email is already registered' }

/**
 * Imports users exported from ASP.NET Core Identity, all or nothing unless `skipInvalid`.
 * Each legacy hash is stored wrapped in argon2id; the first login replaces it.
 */
export async function importIdentityUsers(
  ctx: Pick<AuthContext, 'clock' | 'log'>,
  rows: readonly unknown[],
  options: { skipInvalid: boolean },
  target: ImportTarget,
): Promise<ImportOutcome> {
  const rejected: RejectedRow[] = []
  const valid: { position: number; row: ImportRow }[] = []
  rows.forEach((value, index) => {
    const checked = checkImportRow(value)
    if (checked.ok) valid.push({ position: index + 1, row: checked.row })
    else rejected.push({ position: index + 1, userName: checked.userName, problems: checked.problems })
  })
  let accepted = rejectInFileDuplicates(valid, rejected)
  const clashes = await target.findClashes(accepted.map(({ position, row }) => ({ position, userName: row.userName, email: row.email })))
  accepted = rejectClashes(accepted, clashes, rejected)
  if (rejected.length > 0 && !options.skipInvalid) return finish(ctx, 0, rejected, true)

  const createdAt = ctx.clock.now()
  const users = await mapConcurrently(accepted, HASHING_CONCURRENCY, async ({ position, row }) => ({
    position,
    roles: row.roles,
    user: {
      id: randomId(),
      userName: row.userName,
      email: row.email,
      firstName: row.firstName,
      lastName: row.lastName,
      passwordHash: await wrapIdentityHash(row.legacyHash),
      disabledAt: null,
      createdAt,
      // Contract §9: imported users count as verified (their old system had their address).
      emailVerifiedAt: createdAt,
    },
  }))
  // Someone may have registered one of these names since the check: the transaction decides.
  const saved = await target.save(users, { skipClashes: options.skipInvalid })
  rejectClashes(accepted, saved.clashes, rejected)
  return finish(ctx, saved.inserted, rejected, saved.clashes.length > 0 && !options.skipInvalid)
}

/**
 * The first row with a name or email wins; a later row repeating it is rejected, as is a row
 * whose user name is an earlier row's email or the reverse (a login identifier names one user).
 */
function rejectInFileDuplicates<T extends { position: number; row: ImportRow }>(rows: T[], rejected: RejectedRow[]): T[] {
  const seen = new Map<string, number>()
  return rows.filter(({ position, row }) => {
    const nameKey = identifierKey(row.userName)
    const emailKey = identifierKey(row.email)
    const problems: string[] = []
    const nameSeen = seen.get(nameKey)
    const emailSeen = seen.get(emailKey)
    if (nameSeen !== undefined) problems.push(`duplicate user name (row ${nameSeen})`)
    if (emailSeen !== undefined) problems.push(`duplicate email (row ${emailSeen})`)
    if (problems.length > 0) {
      rejected.push({ position, userName: row.userName, problems })
      return false
    }
    seen.set(nameKey, position)
    seen.set(emailKey, position)
    return true
  })
}

function rejectClashes<T extends { position: number; row: ImportRow }>(rows: T[], clashes: ImportClash[], rejected: RejectedRow[]): T[] {
  const byPosition = new Map(clashes.map((clash) => [clash.position, clash.reason]))
  return rows.filter(({ position, row }) => {
    const reason = byPosition.get(position)
    if (reason !== undefined) rejected.push({ position, userName: row.userName, problems: [CLASH_PROBLEM[reason]] })
    return reason === undefined
  })
}

function finish(ctx: Pick<AuthContext, 'log'>, imported: number, rejected: RejectedRow[], aborted: boolean): ImportOutcome {
  rejected.sort((a, b) => a.position - b.position)
  ctx.log.info({ event: 'users_imported', imported, rejected: rejected.length, aborted }, 'identity import')
  return { imported, rejected, aborted }
}

async function mapConcurrently<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
