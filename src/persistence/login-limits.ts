import type { Selectable } from 'kysely'
import { type BackOffState, NOTHING_KNOWN } from '../domain/back-off.js'
import type { Database, Executor } from './database.js'
import type { LoginBackOffsTable } from './schema.js'
import { insertEvent } from './events.js'
import type { AttemptKey, LoginLimitStore } from './store.js'

/**
 * The counters of contract §4.5. Every read-then-write runs in a `writeTransaction` that first
 * writes the row it is about (an upsert), so on PostgreSQL that row stays locked until commit and
 * concurrent transactions of one key take turns; on SQLite `BEGIN IMMEDIATE` already makes every
 * write transaction take turns. No dialect-specific SQL: `ON CONFLICT … DO UPDATE` is both's.
 */
export function createLoginLimitStore(database: Database): LoginLimitStore {
  const { db } = database

  return {
    admitRateLimitHit({ key, atMs, windowMs, max }) {
      return database.writeTransaction(async (trx) => {
        await trx
          .insertInto('rate_limit_keys')
          .values({ key, touched_at: atMs })
          .onConflict((conflict) => conflict.column('key').doUpdateSet({ touched_at: atMs }))
          .execute()
        const windowStartMs = atMs - windowMs
        await trx.deleteFrom('rate_limit_hits').where('key', '=', key).where('at', '<=', windowStartMs).execute()
        const inWindow = await trx
          .selectFrom('rate_limit_hits')
          .select((eb) => [eb.fn.countAll().as('count'), eb.fn.min('at').as('oldest')])
          .where('key', '=', key)
          .where('at', '>', windowStartMs)
          .executeTakeFirstOrThrow()
        const count = Number(inWindow.count)
        // Refused requests are not recorded: they do not count against the window.
        const admitted = count < max
        if (admitted) await trx.insertInto('rate_limit_hits').values({ key, at: atMs }).execute()
        const oldestAtMs = inWindow.oldest === null ? atMs : Number(inWindow.oldest)
        return { admitted, count: admitted ? count + 1 : count, oldestAtMs }
      })
    },

    async findBackOff(key) {
      const row = await selectBackOff(db, key)
      return row && toState(row)
    },

    changeBackOff(key, change) {
      return database.writeTransaction((trx) => changeBackOffIn(trx, key, change))
    },

    recordFailure({ key, change, account }) {
      return database.writeTransaction(async (trx) => {
        await changeBackOffIn(trx, key, (state) => ({ next: change(state), verdict: undefined }))
        if (account === undefined) return
        await trx.insertInto('login_failures').values({ user_id: account.userId, at: account.atMs }).execute()
        await insertEvent(trx, { userId: account.userId, type: 'login_failed', at: account.atMs, client: account.client })
      })
    },

    async clearBackOff(key) {
      await deleteBackOff(db, key)
    },

    async recordLoginFailure({ userId, atMs }) {
      await db.insertInto('login_failures').values({ user_id: userId, at: atMs }).execute()
    },

    async nthLatestLoginFailure(userId, n) {
      const row = await db
        .selectFrom('login_failures')
        .select('at')
        .where('user_id', '=', userId)
        .orderBy('at', 'desc')
        .limit(1)
        .offset(n - 1)
        .executeTakeFirst()
      return row && Number(row.at)
    },

    async recordKnownIp({ userId, ipKey, atMs }) {
      await db
        .insertInto('login_known_ips')
        .values({ user_id: userId, ip_key: ipKey, last_login_at: atMs })
        .onConflict((conflict) => conflict.columns(['user_id', 'ip_key']).doUpdateSet({ last_login_at: atMs }))
        .execute()
    },

    async lastLoginFrom({ userId, ipKey }) {
      const row = await db
        .selectFrom('login_known_ips')
        .select('last_login_at')
        .where('user_id', '=', userId)
        .where('ip_key', '=', ipKey)
        .executeTakeFirst()
      return row && Number(row.last_login_at)
    },

    async pruneLoginLimits(cutoffs) {
      const results = await Promise.all([
        db.deleteFrom('rate_limit_hits').where('at', '<=', cutoffs.rateLimitHitsUpTo).executeTakeFirst(),
        db.deleteFrom('rate_limit_keys').where('touched_at', '<=', cutoffs.rateLimitHitsUpTo).executeTakeFirst(),
        db
          .deleteFrom('login_back_offs')
          .where('last_failure_at', '<=', cutoffs.backOffsUpTo)
          .where('throttle_noticed_at', '<=', cutoffs.backOffsUpTo)
          .where('in_flight_until', '<=', cutoffs.nowMs)
          .executeTakeFirst(),
        db.deleteFrom('login_failures').where('at', '<=', cutoffs.loginFailuresUpTo).executeTakeFirst(),
        db.deleteFrom('login_known_ips').where('last_login_at', '<=', cutoffs.knownIpsUpTo).executeTakeFirst(),
      ])
      return results.reduce((total, result) => total + Number(result.numDeletedRows), 0)
    },
  }
}

function selectBackOff(executor: Executor, key: AttemptKey) {
  return whereKey(executor.selectFrom('login_back_offs').selectAll(), key).executeTakeFirst()
}

function deleteBackOff(executor: Executor, key: AttemptKey) {
  return whereKey(executor.deleteFrom('login_back_offs'), key).execute()
}

interface KeyFilterable<Q> {
  where(column: 'subject_key' | 'ip_key', operator: '=', value: string): Q
}

function whereKey<Q extends KeyFilterable<Q>>(query: Q, key: AttemptKey): Q {
  return query.where('subject_key', '=', key.subjectKey).where('ip_key', '=', key.ipKey)
}

function toState(row: Selectable<LoginBackOffsTable>): BackOffState {
  return {
    failures: Number(row.failures),
    lastFailureAtMs: Number(row.last_failure_at),
    inFlight: Number(row.in_flight),
    inFlightUntilMs: Number(row.in_flight_until),
    throttleNoticedAtMs: Number(row.throttle_noticed_at),
  }
}

function toColumns(state: BackOffState) {
  return {
    failures: state.failures,
    last_failure_at: state.lastFailureAtMs,
    in_flight: state.inFlight,
    in_flight_until: state.inFlightUntilMs,
    throttle_noticed_at: state.throttleNoticedAtMs,
  }
}

/** Reads the key's state under a lock held until commit, stores what `change` makes of it. */
async function changeBackOffIn<R>(
  trx: Executor,
  key: AttemptKey,
  change: (state: BackOffState) => { next: BackOffState | undefined; verdict: R },
): Promise<R> {
  await trx
    .insertInto('login_back_offs')
    .values({ subject_key: key.subjectKey, ip_key: key.ipKey, ...toColumns(NOTHING_KNOWN) })
    // Rewrites the existing row unchanged: what matters is the lock it takes.
    .onConflict((conflict) => conflict.columns(['subject_key', 'ip_key']).doUpdateSet((eb) => ({ failures: eb.ref('login_back_offs.failures') })))
    .execute()
  const row = await selectBackOff(trx, key)
  const { next, verdict } = change(row === undefined ? NOTHING_KNOWN : toState(row))
  if (next === undefined) await deleteBackOff(trx, key)
  else await whereKey(trx.updateTable('login_back_offs').set(toColumns(next)), key).execute()
  return verdict
}
