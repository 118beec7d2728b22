import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { importIdentityUsers, type RejectedRow } from '../auth/import-identity-users.js'
import { findImportClashes, importUsers } from '../persistence/import-users.js'
import { CliFailure, usageError } from './cli-failure.js'
import { type CliIo, printLine } from './cli-io.js'
import { plural } from './plural.js'
import { withContext } from './with-context.js'

/** `latchkey users import [--skip-invalid] FILE`: users exported from ASP.NET Core Identity. */
export async function usersImport(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { 'skip-invalid': { type: 'boolean' } }, strict: true, allowPositionals: true })
  const [file, ...rest] = positionals
  if (file === undefined || rest.length > 0) throw usageError('users import takes one FILE')
  const rows = await readRows(file)
  const skipInvalid = values['skip-invalid'] === true

  const outcome = await withContext(io, {}, ({ ctx, database }) =>
    importIdentityUsers(ctx, rows, { skipInvalid }, {
      findClashes: (identities) => findImportClashes(database, identities),
      save: (users, options) => importUsers(database, users, options),
    }),
  )
  const rejected = outcome.rejected.map(describeRow).join('; ')
  if (outcome.aborted) throw new CliFailure(`import aborted, nothing imported: ${rejected}`)
  const skipped = outcome.rejected.length > 0 ? `; skipped ${outcome.rejected.length}: ${rejected}` : ''
  printLine(io, `imported ${plural(outcome.imported, 'user')}${skipped}`)
}

async function readRows(file: string): Promise<unknown[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new CliFailure(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
  let rows: unknown
  try {
    // .NET tools often write a byte-order mark.
    rows = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch {
    throw new CliFailure(`${file} is not valid JSON`)
  }
  if (!Array.isArray(rows)) throw new CliFailure(`${file} must hold a JSON array of users`)
  return rows
}

function describeRow(row: RejectedRow): string {
  const name = row.userName === undefined ? 'no user name' : JSON.stringify(row.userName)
  return `row ${row.position} (${name}): ${row.problems.join(', ')}`
}
