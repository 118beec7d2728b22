import { createAccountStore } from './accounts.js'
import type { Database } from './database.js'
import { createEmailStore } from './email.js'
import { createEventStore } from './events.js'
import { createLoginLimitStore } from './login-limits.js'
import { createMfaStore } from './mfa.js'
import { createSessionStore } from './sessions.js'
import { createSigningKeyStore } from './signing-keys.js'
import type { Store } from './store.js'
import { createUserStore } from './users.js'

export function createStore(database: Database): Store {
  return {
    ...createUserStore(database),
    ...createSessionStore(database),
    ...createSigningKeyStore(database),
    ...createEventStore(database),
    ...createLoginLimitStore(database),
    ...createAccountStore(database),
    ...createEmailStore(database),
    ...createMfaStore(database),
  }
}
