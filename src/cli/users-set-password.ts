import { setPassword } from '../auth/set-password.js'
import { CliFailure, usageError } from './cli-failure.js'
import { type CliIo, printLine } from './cli-io.js'
import { plural } from './plural.js'
import { readPassword } from './read-password.js'
import { CLI_CLIENT, withContext } from './with-context.js'

/** `latchkey users set-password USER`: new password on stdin; every session of the user ends. */
export async function usersSetPassword(args: string[], io: CliIo): Promise<void> {
  const [identifier, ...rest] = args
  if (identifier === undefined || identifier.startsWith('-') || rest.length > 0) throw usageError('users set-password takes one USER')
  const password = await readPassword(io)
  const result = await withContext(io, {}, ({ ctx }) => setPassword(ctx, identifier, password, CLI_CLIENT))
  if (result === undefined) throw new CliFailure(`no user named ${JSON.stringify(identifier)}`)
  printLine(io, `password set for ${result.userName}; ended ${plural(result.endedSessions, 'session')}`)
}
