import { setUserDisabled } from '../auth/set-user-disabled.js'
import { CliFailure, usageError } from './cli-failure.js'
import { type CliIo, printLine } from './cli-io.js'
import { plural } from './plural.js'
import { CLI_CLIENT, withContext } from './with-context.js'

/** `latchkey users disable USER` (every session ends) and `latchkey users enable USER`. */
export async function usersSetDisabled(args: string[], io: CliIo, disabled: boolean): Promise<void> {
  const verb = disabled ? 'disable' : 'enable'
  const [identifier, ...rest] = args
  if (identifier === undefined || identifier.startsWith('-') || rest.length > 0) throw usageError(`users ${verb} takes one USER`)
  const result = await withContext(io, {}, ({ ctx }) => setUserDisabled(ctx, identifier, disabled, CLI_CLIENT))
  if (result === undefined) throw new CliFailure(`no user named ${JSON.stringify(identifier)}`)
  const state = result.changed ? `${verb}d ${result.userName}` : `${result.userName} was already ${verb}d`
  printLine(io, disabled ? `${state}; ended ${plural(result.endedSessions, 'session')}` : state)
}
