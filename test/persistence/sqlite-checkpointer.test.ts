import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { sql } from '#kysely'
import { openDatabase } from '../../src/persistence/database.js'

describe('SQLite checkpoints in the background', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-checkpoint-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  /** Writes about 800 KiB (200 pages, under SQLite's 1,000-page automatic checkpoint), waits, and returns the main file's size. */
  async function mainFileSizeAfterWrites(name: string, backgroundCheckpoints: boolean, waitMs: number): Promise<number> {
    const path = join(dir, name)
    const database = await openDatabase(`sqlite:${path}`, { backgroundCheckpoints })
    try {
      await sql`create table filler (id integer primary key, text text not null)`.execute(database.db)
      for (let i = 0; i < 200; i++) await sql`insert into filler (text) values (${'x'.repeat(4_000)})`.execute(database.db)
      await new Promise((resolve) => setTimeout(resolve, waitMs))
      return statSync(path).size
    } finally {
      await database.close()
    }
  }

  it('copies the WAL into the database file from its own thread, between commits', async () => {
    const checkpointed = await mainFileSizeAfterWrites('background.db', true, 1_500)
    assert.ok(checkpointed > 700_000, `the database file holds the rows: ${checkpointed} bytes`)
    // Without it, the same writes are still only in the WAL: SQLite itself would checkpoint
    // them only inside the commit that crosses 1,000 pages.
    const inline = await mainFileSizeAfterWrites('inline.db', false, 1_500)
    assert.ok(inline < 100_000, `the database file is still nearly empty: ${inline} bytes`)
  })
})
