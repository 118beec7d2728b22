import { parseArgs } from 'node:util'
import { register } from '../auth/register.js'
import { DEFAULT_ROLE, ROLE_NAME } from '../domain/user.js'
import { usageError } from './cli-failure.js'
import { type CliIo, printLine } from './cli-io.js'
import { readPassword } from './read-password.js'
import { CLI_CLIENT, withContext } from './with-context.js'

const OPTIONS = {
  'user-name': { type: 'string' },
  email: { type: 'string' },
  'first-name': { type: 'string' },
  'last-name': { type: 'string' },
  role: { type: 'string', multiple: true },
} as const

/** `latchkey users create …`: registers a user (password on stdin) and prints its id. */
export async function usersCreate(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false })
  const required = ['user-name', 'email', 'first-name', 'last-name'] as const
  const missing = required.filter((name) => values[name] === undefined)
  if (missing.length > 0) throw usageError(`users create needs ${missing.map((name) => `--${name}`).join(', ')}`)
  const roles = values.role ?? []
  const badRoles = roles.filter((role) => !ROLE_NAME.test(role))
  if (badRoles.length > 0) throw usageError(`role names must match ${ROLE_NAME.source}: ${badRoles.join(', ')}`)

  const password = await readPassword(io)
  const input = {
    userName: values['user-name'] as string,
    email: values.email as string,
    firstName: values['first-name'] as string,
    lastName: values['last-name'] as string,
    password,
  }
  const { id } = await withContext(io, {}, ({ ctx }) => register(ctx, input, CLI_CLIENT, { roles: [...new Set([DEFAULT_ROLE, ...roles])], byOperator: true }))
  printLine(io, id)
}
