import { markEmailVerified } from '../auth/mark-email-verified.js'
import { CliFailure, usageError } from './cli-failure.js'
import { type CliIo, printLine } from './cli-io.js'
import { withContext } from './with-context.js'

/** `latchkey users verify-email USER`: an operator vouches for the user's address; idempotent. */
export async function usersVerifyEmail(args: string[], io: CliIo): Promise<void> {
  const [identifier, ...rest] = args
  if (identifier === undefined || identifier.startsWith('-') || rest.length > 0) throw usageError('users verify-email takes one USER')
  const result = await withContext(io, {}, ({ ctx }) => markEmailVerified(ctx, identifier))
  if (result === undefined) throw new CliFailure(`no user named ${JSON.stringify(identifier)}`)
  printLine(io, result.changed ? `verified the email of ${result.userName}` : `the email of ${result.userName} was already verified`)
}
