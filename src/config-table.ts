import { isIP } from 'node:net'

// The configuration table: every environment variable declared once. config.ts derives the Config type
// and loadConfig from it; renderConfigTable() gives the README's table (`npm run docs:config`).

const jwtAlgorithms = ['EdDSA', 'ES256', 'RS256', 'HS256'] as const
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
const emailVerificationModes = ['optional', 'required'] as const
export type JwtAlgorithm = (typeof jwtAlgorithms)[number]
export type LogLevel = (typeof logLevels)[number]
export type EmailVerification = (typeof emailVerificationModes)[number]
/** `false`: the socket is the client; a number: hops; a list: trusted proxy addresses/CIDRs. */
export type TrustProxy = false | number | string[]

/** How one variable's text becomes a value, and the value when it is unset (or bad). */
export interface Parser<T> {
  readonly fallback: T
  /** The default as the README shows it. */
  readonly shown: string
  /** What `{allowed}` in a meaning stands for, e.g. `1–64`. */
  readonly allowed?: string
  /** A bad value completes the sentence "NAME must be …". */
  parse(raw: string): { readonly value: T } | { readonly mustBe: string }
}

export interface ConfigVariable<T> {
  readonly env: string
  readonly parser: Parser<T>
  /** The README's "meaning" column, in markdown; `{allowed}` becomes the parser's allowed values. */
  readonly meaning: string
}

const code = (value: string | number | boolean) => `\`${value}\``
const unset = '—'

/** Config field → variable, in the README's order. A new row is a new Config field and a new README row. */
export const configTable = {
  port: { env: 'PORT', parser: integer(5000, 0, 65_535), meaning: '' },
  host: { env: 'HOST', parser: host('127.0.0.1'), meaning: '`0.0.0.0` listens on every interface (containers)' },
  workers: { env: 'WORKERS', parser: integer(1, 1, 64), meaning: 'processes of this instance sharing the port ({allowed}, node:cluster)' },
  databaseUrl: {
    env: 'DATABASE_URL',
    parser: text('sqlite:./data/latchkey.db'),
    meaning: '`sqlite:PATH`, `sqlite::memory:` (one worker only), `postgres://…`, `postgresql://…`',
  },
  redisUrl: { env: 'REDIS_URL', parser: optionalUrl(['redis:', 'rediss:']), meaning: 'optional; must answer at boot' },
  jwtAlgorithm: {
    env: 'JWT_ALGORITHM',
    parser: oneOf(jwtAlgorithms, 'EdDSA'),
    meaning: '`EdDSA`, `ES256`, `RS256` (key pairs in the database, public keys in the JWKS) or `HS256`',
  },
  jwtSecret: { env: 'JWT_SECRET', parser: optional(), meaning: 'the HS256 key (UTF-8 bytes, at least 32); required for HS256' },
  jwtSecretPrevious: {
    env: 'JWT_SECRET_PREVIOUS',
    parser: optional(),
    meaning: 'HS256: a retired secret still accepted, for rotating the secret',
  },
  keyEncryptionKey: {
    env: 'KEY_ENCRYPTION_KEY',
    parser: optional(),
    meaning:
      'at least 32 characters; encrypts private signing keys at rest (AES-256-GCM, key stretched with scrypt). ' +
      'Required with `NODE_ENV=production` and an asymmetric algorithm',
  },
  jwtIssuer: { env: 'JWT_ISSUER', parser: text('latchkey'), meaning: '`iss`' },
  jwtAudience: { env: 'JWT_AUDIENCE', parser: text('latchkey'), meaning: '`aud`' },
  jwtClientId: { env: 'JWT_CLIENT_ID', parser: text('latchkey'), meaning: '`client_id` (RFC 9068)' },
  accessTokenTtlSeconds: { env: 'ACCESS_TOKEN_TTL', parser: integer(900, 1, 86_400), meaning: 'access token lifetime, seconds ({allowed})' },
  refreshTokenTtlSeconds: {
    env: 'REFRESH_TOKEN_TTL',
    parser: integer(432_000, 1, Number.MAX_SAFE_INTEGER),
    meaning: "an unused refresh token's lifetime, seconds; ≥ `ACCESS_TOKEN_TTL`",
  },
  sessionTtlSeconds: {
    env: 'SESSION_TTL',
    parser: integer(2_592_000, 1, Number.MAX_SAFE_INTEGER),
    meaning: "a session's absolute lifetime, seconds; ≥ `REFRESH_TOKEN_TTL`",
  },
  refreshReuseGraceSeconds: {
    env: 'REFRESH_REUSE_GRACE',
    parser: integer(10, 0, 60),
    meaning: 'seconds ({allowed}) in which a just-used refresh token returns the same successor',
  },
  clockSkewSeconds: { env: 'CLOCK_SKEW', parser: integer(0, 0, 300), meaning: 'seconds ({allowed}) of leeway on `exp` and `nbf`' },
  passwordMinLength: { env: 'PASSWORD_MIN_LENGTH', parser: integer(8, 8, 64), meaning: '{allowed}' },
  rateLimitPerMinute: {
    env: 'RATE_LIMIT_PER_MINUTE',
    parser: integer(60, 0, 1_000_000),
    meaning: 'requests per client IP (IPv6: per /64) in any 60 s to registration, login and its second step, password change and the mail endpoints ({allowed}); `0` turns the limit off',
  },
  loginMaxFailures: {
    env: 'LOGIN_MAX_FAILURES',
    parser: integer(5, 1, 100),
    meaning: 'failed logins of one account from one IP before each further attempt waits 1, 2, 4 … 900 s ({allowed})',
  },
  trustProxy: {
    env: 'TRUST_PROXY',
    parser: trustProxy(),
    meaning: '`false`, a hop count 1–10, or comma-separated IPs/CIDRs of trusted proxies',
  },
  publicUrl: {
    env: 'PUBLIC_URL',
    parser: publicUrl(),
    meaning: 'the address users reach this server at (`http(s)://host[:port][/path]`): the base of every link in a mail (unset: the port it listens on)',
  },
  smtpUrl: {
    env: 'SMTP_URL',
    parser: optionalUrl(['smtp:', 'smtps:']),
    meaning:
      '`smtp://[user:password@]host:port` or `smtps://…`: where mail is sent. Unset: each mail is written to `./data/outbox/` as an `.eml` file ' +
      '(the log names the file, never its link); under `NODE_ENV=production` the server warns at boot',
  },
  mailFrom: { env: 'MAIL_FROM', parser: mailbox('Latchkey <no-reply@localhost>'), meaning: '`From` of every mail' },
  emailVerification: {
    env: 'EMAIL_VERIFICATION',
    parser: oneOf(emailVerificationModes, 'optional'),
    meaning: '{allowed}: `required` mails a link at registration and refuses login (`403 email_not_verified`) until it is used',
  },
  corsOrigins: { env: 'CORS_ORIGINS', parser: origins(), meaning: 'comma-separated exact origins allowed to call the API from a browser' },
  apiDocs: { env: 'API_DOCS', parser: boolean(true), meaning: 'serve `/swagger` and `/swagger/v1/swagger.json`' },
  accountConsole: { env: 'ACCOUNT_CONSOLE', parser: boolean(true), meaning: 'serve the account console at `/account` and the pages mailed links lead to' },
  logLevel: { env: 'LOG_LEVEL', parser: oneOf(logLevels, 'info'), meaning: '{allowed}; JSON lines on stdout. At `info` and below each request logs its lines (received, completed) with its request id; above it a request writes only its warnings and errors, which costs the others nothing' },
  production: { env: 'NODE_ENV', parser: isProduction(), meaning: '`production`: strict key checks, no key generated at start' },
} as const satisfies Record<string, ConfigVariable<unknown>>

export const CONFIG_TABLE_START = '<!-- config-table:start -->'
export const CONFIG_TABLE_END = '<!-- config-table:end -->'

/** The markdown table `| variable | default | meaning |` that README.md carries between the markers. */
export function renderConfigTable(): string {
  const rows = Object.values(configTable).map((variable: ConfigVariable<unknown>) => [
    code(variable.env),
    variable.parser.shown,
    meaningOf(variable),
  ])
  return [['variable', 'default', 'meaning'], ['---', '---', '---'], ...rows].map(markdownRow).join('\n')
}

function meaningOf({ env, parser, meaning }: ConfigVariable<unknown>): string {
  if (!meaning.includes('{allowed}')) return meaning
  if (parser.allowed === undefined) throw new Error(`${env}: its meaning says {allowed} but its parser has no allowed values`)
  return meaning.replaceAll('{allowed}', parser.allowed)
}

function markdownRow(cells: readonly string[]): string {
  return `|${cells.map((cell) => (cell === '' ? ' ' : ` ${cell} `)).join('|')}|`
}

// Parsers: function declarations, hoisted, so the table above can call them.

function text(fallback: string): Parser<string> {
  return { fallback, shown: code(fallback), parse: (value) => ({ value }) }
}

function optional(): Parser<string | undefined> {
  return { fallback: undefined, shown: unset, parse: (value) => ({ value }) }
}

function integer(fallback: number, min: number, max: number): Parser<number> {
  const parse = (raw: string) => {
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
    const ok = Number.isSafeInteger(value) && value >= min && value <= max
    return ok ? { value } : { mustBe: `a whole number from ${min} to ${max}` }
  }
  return { fallback, shown: code(fallback), allowed: `${min}–${max}`, parse }
}

function boolean(fallback: boolean): Parser<boolean> {
  const parse = (raw: string) => (raw === 'true' || raw === 'false' ? { value: raw === 'true' } : { mustBe: 'true or false' })
  return { fallback, shown: code(fallback), parse }
}

function oneOf<const T extends string>(allowed: readonly T[], fallback: NoInfer<T>): Parser<T> {
  const isAllowed = (raw: string): raw is T => (allowed as readonly string[]).includes(raw)
  const parse = (raw: string) => (isAllowed(raw) ? { value: raw } : { mustBe: `one of ${allowed.join(', ')}` })
  return { fallback, shown: code(fallback), allowed: allowed.map(code).join(' '), parse }
}

function host(fallback: string): Parser<string> {
  const hostname = /^[A-Za-z0-9.-]{1,253}$/
  const parse = (raw: string) => (isIP(raw) !== 0 || hostname.test(raw) ? { value: raw } : { mustBe: 'an IP address or a host name' })
  return { fallback, shown: code(fallback), parse }
}

function optionalUrl(protocols: readonly string[]): Parser<string | undefined> {
  const mustBe = `a URL starting with ${protocols.map((protocol) => `${protocol}//`).join(' or ')}`
  const parse = (raw: string) => (URL.canParse(raw) && protocols.includes(new URL(raw).protocol) ? { value: raw } : { mustBe })
  return { fallback: undefined, shown: unset, parse }
}

/** An absolute http(s) URL without query or fragment, kept without its trailing slash. */
function publicUrl(): Parser<string | undefined> {
  const mustBe = 'an http:// or https:// URL without query or fragment'
  const parse = (raw: string) => {
    if (!URL.canParse(raw)) return { mustBe }
    const url = new URL(raw)
    const ok = (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '' && url.username === '' && url.password === ''
    return ok ? { value: url.href.replace(/\/+$/, '') } : { mustBe }
  }
  return { fallback: undefined, shown: '`http://127.0.0.1:<PORT>`', parse }
}

/** A `From` header value: no line breaks (they would inject headers) and an address in it. */
function mailbox(fallback: string): Parser<string> {
  const mustBe = 'a mailbox like "Name <address@example.com>" or "address@example.com", on one line'
  const parse = (raw: string) => (/[\r\n\0]/.test(raw) || !/[^\s@<>]+@[^\s@<>]+/.test(raw) ? { mustBe } : { value: raw })
  return { fallback, shown: code(fallback), parse }
}

function trustProxy(): Parser<TrustProxy> {
  const mustBe = 'false, a hop count from 1 to 10, or a list of IPs/CIDRs'
  const parse = (raw: string) => {
    if (raw === 'false') return { value: false as const }
    if (/^\d+$/.test(raw)) return Number(raw) >= 1 && Number(raw) <= 10 ? { value: Number(raw) } : { mustBe }
    const entries = raw.split(',').map((entry) => entry.trim())
    return entries.every(isAddressOrCidr) ? { value: entries } : { mustBe }
  }
  return { fallback: false, shown: code(false), parse }
}

function origins(): Parser<readonly string[]> {
  const mustBe = 'comma-separated origins like https://app.example.com'
  const parse = (raw: string) => {
    const list = raw.split(',').map((origin) => origin.trim())
    return list.every(isOrigin) ? { value: list } : { mustBe }
  }
  return { fallback: [], shown: unset, parse }
}

/** NODE_ENV has no field of its own: only `production` matters, and unset is not production. */
function isProduction(): Parser<boolean> {
  return { fallback: false, shown: unset, parse: (raw) => ({ value: raw === 'production' }) }
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
