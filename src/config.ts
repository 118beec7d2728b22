import { isIP } from 'node:net'

export type JwtAlgorithm = 'EdDSA' | 'ES256' | 'RS256' | 'HS256'
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
/** `false`: the socket is the client; a number: hops; a list: trusted proxy addresses/CIDRs. */
export type TrustProxy = false | number | string[]

export interface Config {
  readonly port: number
  readonly host: string
  readonly workers: number
  readonly databaseUrl: string
  readonly redisUrl: string | undefined
  readonly jwtAlgorithm: JwtAlgorithm
  readonly jwtSecret: string | undefined
  readonly jwtSecretPrevious: string | undefined
  readonly keyEncryptionKey: string | undefined
  readonly jwtIssuer: string
  readonly jwtAudience: string
  readonly jwtClientId: string
  readonly accessTokenTtlSeconds: number
  readonly refreshTokenTtlSeconds: number
  readonly sessionTtlSeconds: number
  readonly refreshReuseGraceSeconds: number
  readonly clockSkewSeconds: number
  readonly passwordMinLength: number
  readonly rateLimitPerMinute: number
  readonly loginMaxFailures: number
  readonly trustProxy: TrustProxy
  readonly corsOrigins: readonly string[]
  readonly apiDocs: boolean
  readonly accountConsole: boolean
  readonly logLevel: LogLevel
  readonly production: boolean
}

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
  const read = new Reader(env, problems)

  const jwtAlgorithm = read.oneOf('JWT_ALGORITHM', ['EdDSA', 'ES256', 'RS256', 'HS256'] as const, 'EdDSA')
  const databaseUrl = read.string('DATABASE_URL', 'sqlite:./data/latchkey.db')
  const accessTokenTtlSeconds = read.integer('ACCESS_TOKEN_TTL', 900, 1, 86_400)
  const refreshTokenTtlSeconds = read.integer('REFRESH_TOKEN_TTL', 432_000, 1, Number.MAX_SAFE_INTEGER)
  const sessionTtlSeconds = read.integer('SESSION_TTL', 2_592_000, 1, Number.MAX_SAFE_INTEGER)
  const production = env.NODE_ENV === 'production'

  const config: Config = {
    port: read.integer('PORT', 5000, 0, 65_535),
    host: read.host('HOST', '127.0.0.1'),
    workers: read.integer('WORKERS', 1, 1, 64),
    databaseUrl,
    redisUrl: read.optionalUrl('REDIS_URL', ['redis:', 'rediss:']),
    jwtAlgorithm,
    jwtSecret: read.optional('JWT_SECRET'),
    jwtSecretPrevious: read.optional('JWT_SECRET_PREVIOUS'),
    keyEncryptionKey: read.optional('KEY_ENCRYPTION_KEY'),
    jwtIssuer: read.string('JWT_ISSUER', 'latchkey'),
    jwtAudience: read.string('JWT_AUDIENCE', 'latchkey'),
    jwtClientId: read.string('JWT_CLIENT_ID', 'latchkey'),
    accessTokenTtlSeconds,
    refreshTokenTtlSeconds,
    sessionTtlSeconds,
    refreshReuseGraceSeconds: read.integer('REFRESH_REUSE_GRACE', 10, 0, 60),
    clockSkewSeconds: read.integer('CLOCK_SKEW', 0, 0, 300),
    passwordMinLength: read.integer('PASSWORD_MIN_LENGTH', 8, 8, 64),
    rateLimitPerMinute: read.integer('RATE_LIMIT_PER_MINUTE', 60, 0, 1_000_000),
    loginMaxFailures: read.integer('LOGIN_MAX_FAILURES', 5, 1, 100),
    trustProxy: read.trustProxy('TRUST_PROXY'),
    corsOrigins: read.origins('CORS_ORIGINS'),
    apiDocs: read.boolean('API_DOCS', true),
    accountConsole: read.boolean('ACCOUNT_CONSOLE', true),
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    production,
  }

  checkDatabaseUrl(config, problems)
  checkLifetimes(config, problems)
  checkSecrets(config, problems)
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze({ ...config, corsOrigins: Object.freeze([...config.corsOrigins]) })
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

/** Reads one variable at a time, recording a problem (and returning the default) when it is bad. */
class Reader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  optional(name: string): string | undefined {
    const value = this.env[name]
    return value === undefined || value === '' ? undefined : value
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name)
    if (raw === undefined) return fallback
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max}`)
      return fallback
    }
    return value
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.optional(name)
    if (raw === undefined) return fallback
    if (raw === 'true' || raw === 'false') return raw === 'true'
    this.problems.push(`${name} must be true or false`)
    return fallback
  }

  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name)
    if (raw === undefined) return fallback
    if ((allowed as readonly string[]).includes(raw)) return raw as T
    this.problems.push(`${name} must be one of ${allowed.join(', ')}`)
    return fallback
  }

  host(name: string, fallback: string): string {
    const raw = this.string(name, fallback)
    const hostname = /^[A-Za-z0-9.-]{1,253}$/
    if (isIP(raw) === 0 && !hostname.test(raw)) this.problems.push(`${name} must be an IP address or a host name`)
    return raw
  }

  optionalUrl(name: string, protocols: readonly string[]): string | undefined {
    const raw = this.optional(name)
    if (raw === undefined) return undefined
    if (!URL.canParse(raw) || !protocols.includes(new URL(raw).protocol)) {
      this.problems.push(`${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`)
    }
    return raw
  }

  trustProxy(name: string): TrustProxy {
    const raw = this.optional(name)
    if (raw === undefined || raw === 'false') return false
    if (/^\d+$/.test(raw)) {
      const hops = Number(raw)
      if (hops >= 1 && hops <= 10) return hops
      this.problems.push(`${name} must be false, a hop count from 1 to 10, or a list of IPs/CIDRs`)
      return false
    }
    const entries = raw.split(',').map((entry) => entry.trim())
    if (entries.every(isAddressOrCidr)) return entries
    this.problems.push(`${name} must be false, a hop count from 1 to 10, or a list of IPs/CIDRs`)
    return false
  }

  origins(name: string): string[] {
    const raw = this.optional(name)
    if (raw === undefined) return []
    const origins = raw.split(',').map((origin) => origin.trim())
    const bad = origins.filter((origin) => !isOrigin(origin))
    if (bad.length > 0) this.problems.push(`${name} must be comma-separated origins like https://app.example.com`)
    return origins
  }
}

function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) return false
  if (prefix === undefined) return true
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1
  return bits >= 0 && bits <= (family === 4 ? 32 : 128)
}

function isOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false
  const url = new URL(value)
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value
}
