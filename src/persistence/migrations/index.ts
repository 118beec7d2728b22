import type { Migration } from 'kysely'
import * as initial from './2026-11-26-initial.js'
import * as loginLimits from './2026-11-30-login-limits.js'
import * as sessionEnds from './2026-11-30-session-ends.js'
import * as legacyHashProfiles from './2026-12-01-legacy-hash-profiles.js'
import * as mail from './2026-12-06-mail.js'
import * as mfa from './2026-12-07-mfa.js'

/** Every migration, by name; names sort in the order they run. */
export const migrations: Record<string, Migration> = {
  '2026-11-26-initial': initial,
  '2026-11-30-login-limits': loginLimits,
  '2026-11-30-session-ends': sessionEnds,
  '2026-12-01-legacy-hash-profiles': legacyHashProfiles,
  '2026-12-06-mail': mail,
  '2026-12-07-mfa': mfa,
}
