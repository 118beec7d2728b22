import { changeRole } from '../auth/change-role.js'
import { CliFailure, usageError } from './cli-failure.js'
import { type CliIo, printLine } from './cli-io.js'
import { plural } from './plural.js'
import { CLI_CLIENT, withContext } from './with-context.js'

/** `latchkey roles grant USER ROLE` and `latchkey roles revoke USER ROLE` (idempotent). */
export async function rolesChange(args: string[], io: CliIo, action: 'grant' | 'revoke'): Promise<void> {
  const [identifier, role, ...rest] = args
  if (identifier === undefined || role === undefined || rest.length > 0 || identifier.startsWith('-')) {
    throw usageError(`roles ${action} takes USER and ROLE`)
  }
  const result = await withContext(io, {}, ({ ctx }) => changeRole(ctx, identifier, { action, role }, CLI_CLIENT))
  if (result === undefined) throw new CliFailure(`no user named ${JSON.stringify(identifier)}`)
  if (!result.changed) {
    printLine(io, action === 'grant' ? `${result.userName} already has ${role}` : `${result.userName} does not have ${role}`)
  } else if (action === 'grant') {
    printLine(io, `granted ${role} to ${result.userName}`)
  } else {
    printLine(io, `revoked ${role} from ${result.userName}; ended ${plural(result.endedSessions, 'session')}`)
  }
}
