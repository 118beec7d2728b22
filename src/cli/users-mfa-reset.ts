import { resetMfa } from '../auth/reset-mfa.js'
import { CliFailure, usageError } from './cli-failure.js'
import { type CliIo, printLine } from './cli-io.js'
import { plural } from './plural.js'
import { CLI_CLIENT, withContext } from './with-context.js'

/** `latchkey users mfa-reset USER`: erases the user's second factor and ends every session (a lost device). */
export async function usersMfaReset(args: string[], io: CliIo): Promise<void> {
  const [identifier, ...rest] = args
  if (identifier === undefined || identifier.startsWith('-') || rest.length > 0) throw usageError('users mfa-reset takes one USER')
  const result = await withContext(io, {}, ({ ctx }) => resetMfa(ctx, identifier, CLI_CLIENT))
  if (result === undefined) throw new CliFailure(`no user named ${JSON.stringify(identifier)}`)
  const state = result.wasEnabled ? `turned off the second factor of ${result.userName}` : `${result.userName} had no second factor`
  printLine(io, `${state}; ended ${plural(result.endedSessions, 'session')}`)
}
