import type { Database } from './database.js'
import type { SigningKeyStore } from './store.js'

export function createSigningKeyStore(database: Database): SigningKeyStore {
  const { db } = database
  return {
    async listSigningKeys() {
      const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at').execute()
      return rows.map((row) => ({
        kid: row.kid,
        algorithm: row.algorithm,
        publicKey: row.public_key,
        privateKey: row.private_key,
        createdAt: row.created_at,
        retiredAt: row.retired_at,
      }))
    },
    async replacePrivateKey({ kid, expected, privateKey }) {
      const result = await db.updateTable('signing_keys').set({ private_key: privateKey }).where('kid', '=', kid).where('private_key', '=', expected).executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
    async addSigningKey(key) {
      await database.writeTransaction(async (trx) => {
        await trx
          .updateTable('signing_keys')
          .set({ retired_at: key.createdAt })
          .where('algorithm', '=', key.algorithm)
          .where('retired_at', 'is', null)
          .execute()
        await trx
          .insertInto('signing_keys')
          .values({
            kid: key.kid,
            algorithm: key.algorithm,
            public_key: key.publicKey,
            private_key: key.privateKey,
            created_at: key.createdAt,
            retired_at: null,
          })
          .execute()
      })
    },
  }
}
