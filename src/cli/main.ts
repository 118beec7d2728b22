import { ConfigError } from '../config.js'
import { type AppError, isAppError } from '../errors.js'
import { CliFailure } from './cli-failure.js'
import { type CliIo, printLine, processIo } from './cli-io.js'
import { keysList } from './keys-list.js'
import { keysRotate } from './keys-rotate.js'
import { migrate } from './migrate.js'
import { rolesChange } from './roles-change.js'
import { sessionsPrune } from './sessions-prune.js'
import { usersCreate } from './users-create.js'
import { usersImport } from './users-import.js'
import { usersSetDisabled } from './users-set-disabled.js'
import { usersSetPassword } from './users-set-password.js'
import { usersVerifyEmail } from './users-verify-email.js'
import { usersMfaReset } from './users-mfa-reset.js'

type Command = (args: string[], io: CliIo) => Promise<void>

const COMMANDS: Record<string, Command> = {
  migrate,
  'users create': usersCreate,
  'users import': usersImport,
  'users set-password': usersSetPassword,
  'users disable': (args, io) => usersSetDisabled(args, io, true),
  'users enable': (args, io) => usersSetDisabled(args, io, false),
  'users verify-email': usersVerifyEmail,
  'users mfa-reset': usersMfaReset,
  'roles grant': (args, io) => rolesChange(args, io, 'grant'),
  'roles revoke': (args, io) => rolesChange(args, io, 'revoke'),
  'keys rotate': keysRotate,
  'keys list': keysList,
  'sessions prune': sessionsPrune,
}

const USAGE = `usage: latchkey <command>  (configured by the server's environment variables, e.g. DATABASE_URL)
  migrate
  users create --user-name U --email E --first-name F --last-name L [--role R]...   (password on stdin)
  users import [--skip-invalid] FILE
  users set-password USER   (password on stdin)
  users disable USER | users enable USER
  users verify-email USER   (an operator vouches for the address)
  users mfa-reset USER      (turns the second factor off and ends every session)
  roles grant USER ROLE | roles revoke USER ROLE
  keys rotate | keys list
  sessions prune`

/** The `latchkey` command: results on stdout, logs and the one-line reason on stderr; the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const [first, second, ...rest] = argv
  if (first === '--help' || first === '-h' || first === 'help') {
    printLine(io, USAGE)
    return 0
  }
  const single = first === undefined ? undefined : COMMANDS[first]
  const pair = first === undefined || second === undefined ? undefined : COMMANDS[`${first} ${second}`]
  const command = single ?? pair
  if (command === undefined) {
    const reason = first === undefined ? 'no command given' : `unknown command: ${[first, second].filter(Boolean).join(' ')}`
    io.stderr.write(`latchkey: ${reason} (see \`latchkey --help\`)\n`)
    return 2
  }
  try {
    await command(single !== undefined ? argv.slice(1) : rest, io)
    return 0
  } catch (error) {
    const { reason, exitCode } = explain(error)
    io.stderr.write(`latchkey: ${reason.replace(/\s*\n\s*/g, ' ')}\n`)
    return exitCode
  }
}

function explain(error: unknown): { reason: string; exitCode: number } {
  if (error instanceof CliFailure) return { reason: error.message, exitCode: error.exitCode }
  if (error instanceof ConfigError) return { reason: `bad configuration: ${error.problems.join('; ')}`, exitCode: 1 }
  if (isAppError(error)) return { reason: describeAppError(error), exitCode: 1 }
  if (isParseArgsError(error)) return { reason: `${error.message} (see \`latchkey --help\`)`, exitCode: 2 }
  return { reason: error instanceof Error ? error.message : String(error), exitCode: 1 }
}

const CLI_NAMES: Record<string, string> = {
  userName: '--user-name',
  email: '--email',
  firstName: '--first-name',
  lastName: '--last-name',
  password: 'password',
  role: 'role',
}

function describeAppError(error: AppError): string {
  const fields = Object.entries(error.extra.errors ?? {})
  if (fields.length === 0) return error.detail
  return `invalid input: ${fields.map(([field, messages]) => `${CLI_NAMES[field] ?? field}: ${messages.join(' ')}`).join('; ')}`
}

function isParseArgsError(error: unknown): error is Error {
  return error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')
}
