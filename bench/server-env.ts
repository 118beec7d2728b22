/** The key-encryption key of every benchmark database (production requires one for EdDSA). */
export const KEY_ENCRYPTION_KEY = 'latchkey-bench-key-encryption-key-0123456789'
/** The HS256 secret of the HS256 runs (at least 32 bytes). */
export const JWT_SECRET = 'latchkey-bench-hs256-secret-0123456789abcdef'

export type Algorithm = 'EdDSA' | 'HS256'

export interface ServerSettings {
  databaseUrl: string
  algorithm: Algorithm
  workers: number
  port?: number
  /** LOGIN_MAX_FAILURES, for scenarios that fail logins on purpose (default: the server's). */
  loginMaxFailures?: number
  /** SMTP_URL, for scenarios that send mail (default: none, mail would go to ./data/outbox/). */
  smtpUrl?: string
}

/** Latchkey's own variables: never inherited from the shell running the bench. */
const LATCHKEY_VARIABLES = /^(PORT|HOST|WORKERS|DATABASE_URL|REDIS_URL|JWT_.*|KEY_ENCRYPTION_KEY|ACCESS_TOKEN_TTL|REFRESH_.*|SESSION_TTL|CLOCK_SKEW|PASSWORD_MIN_LENGTH|RATE_LIMIT_PER_MINUTE|LOGIN_MAX_FAILURES|TRUST_PROXY|PUBLIC_URL|SMTP_URL|MAIL_FROM|EMAIL_VERIFICATION|CORS_ORIGINS|API_DOCS|ACCOUNT_CONSOLE|LOG_LEVEL|NODE_ENV)$/

/**
 * Production mode, as an operator runs it, with the rate limit off (RATE_LIMIT_PER_MINUTE=0:
 * every request comes from 127.0.0.1, which a limit of 60 a minute would turn into 429s).
 */
export function serverEnv(settings: ServerSettings): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !LATCHKEY_VARIABLES.test(name)))
  return {
    ...inherited,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(settings.port ?? 5000),
    WORKERS: String(settings.workers),
    DATABASE_URL: settings.databaseUrl,
    KEY_ENCRYPTION_KEY,
    JWT_ALGORITHM: settings.algorithm,
    ...(settings.algorithm === 'HS256' ? { JWT_SECRET } : {}),
    RATE_LIMIT_PER_MINUTE: '0',
    ...(settings.loginMaxFailures === undefined ? {} : { LOGIN_MAX_FAILURES: String(settings.loginMaxFailures) }),
    ...(settings.smtpUrl === undefined ? {} : { SMTP_URL: settings.smtpUrl }),
  }
}
