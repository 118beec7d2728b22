import { createStore } from '../../src/persistence/create-store.js'
import { migrateToLatest, openDatabase } from '../../src/persistence/database.js'
import { DIALECTS } from '../support/dialects.js'
import { describeStoreContract } from './store-contract.js'

for (const dialect of DIALECTS) {
  describeStoreContract(dialect.name, async () => {
    const testDatabase = await dialect.create()
    const database = await openDatabase(testDatabase.url)
    await migrateToLatest(database)
    return {
      store: createStore(database),
      database,
      close: async () => {
        await database.close()
        await testDatabase.drop()
      },
    }
  })
}
