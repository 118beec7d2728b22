import { type ConfigVariable, configTable } from './config-table.js'

export type { EmailVerification, JwtAlgorithm, LogLevel, TrustProxy } from './config-table.js'

type ConfigTable = typeof configTable
/** One readonly field per row of the configuration table, typed by that row's parser. */
export type Config = { readonly [Field in keyof ConfigTable]: ConfigTable[Field]['parser']['fallback'] }

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`)
    this.name = 'ConfigError'
  }
}

type Env = Readonly<Record<string, string | undefined>>

/** Reads every variable, reports every bad one together, and returns a frozen Config. */
export function loadConfig(env: Env): Config {
  const problems: string[] = []
  const rows: [string, ConfigVariable<unknown>][] = Object.entries(configTable)
  const fields = rows.map(([field, variable]) => [field, read(env, variable, problems)])
  // Each field was read by the parser of its own row, so it has that row's type.
  const config = Object.fromEntries(fields) as Config

  checkDatabaseUrl(config, problems)
  checkLifetimes(config, problems)
  checkSecrets(config, problems)
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze({ ...config, corsOrigins: Object.freeze([...config.corsOrigins]) })
}

/** An unset or empty variable gives the default; a bad one records a problem and gives the default too. */
function read<T>(env: Env, variable: ConfigVariable<T>, problems: string[]): T {
  const raw = env[variable.env]
  if (raw === undefined || raw === '') return variable.parser.fallback
  const parsed = variable.parser.parse(raw)
  if ('value' in parsed) return parsed.value
  problems.push(`${variable.env} must be ${parsed.mustBe}`)
  return variable.parser.fallback
}

function checkDatabaseUrl(config: Config, problems: string[]): void {
  const url = config.databaseUrl
  const isSqlite = url.startsWith('sqlite:') && url.length > 'sqlite:'.length
  const isPostgres = /^postgres(ql)?:\/\/./.test(url)
  if (!isSqlite && !isPostgres) {
    problems.push('DATABASE_URL must be sqlite:PATH, sqlite::memory: or postgres://…')
  }
  if (url === 'sqlite::memory:' && config.workers > 1) {
    problems.push('WORKERS must be 1 with DATABASE_URL=sqlite::memory: (workers cannot share an in-memory database)')
  }
}

function checkLifetimes(config: Config, problems: string[]): void {
  if (config.refreshTokenTtlSeconds < config.accessTokenTtlSeconds) {
    problems.push('REFRESH_TOKEN_TTL must be at least ACCESS_TOKEN_TTL')
  }
  if (config.sessionTtlSeconds < config.refreshTokenTtlSeconds) {
    problems.push('SESSION_TTL must be at least REFRESH_TOKEN_TTL')
  }
}

function checkSecrets(config: Config, problems: string[]): void {
  const bytes = (value: string) => Buffer.byteLength(value, 'utf8')
  if (config.jwtAlgorithm === 'HS256') {
    if (config.jwtSecret === undefined) problems.push('JWT_SECRET is required with JWT_ALGORITHM=HS256')
    else if (bytes(config.jwtSecret) < 32) problems.push('JWT_SECRET must be at least 32 bytes')
    if (config.jwtSecretPrevious !== undefined && bytes(config.jwtSecretPrevious) < 32) {
      problems.push('JWT_SECRET_PREVIOUS must be at least 32 bytes')
    }
  } else if (config.jwtSecretPrevious !== undefined) {
    problems.push('JWT_SECRET_PREVIOUS only applies to JWT_ALGORITHM=HS256')
  }
  if (config.keyEncryptionKey !== undefined && [...config.keyEncryptionKey].length < 32) {
    problems.push('KEY_ENCRYPTION_KEY must be at least 32 characters')
  }
  if (config.production && config.jwtAlgorithm !== 'HS256' && config.keyEncryptionKey === undefined) {
    problems.push('KEY_ENCRYPTION_KEY is required with NODE_ENV=production and an asymmetric JWT_ALGORITHM')
  }
}
