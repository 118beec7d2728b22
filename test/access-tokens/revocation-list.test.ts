import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RevocationList } from '../../src/access-tokens/index.js'
import type { SessionEnd } from '../../src/persistence/store.js'
import { FakeClock } from '../support/fake-clock.js'

const RETAIN_MS = 60_000
const T0 = Date.UTC(2026, 10, 30, 12, 0, 0)
const end = (position: number, sessionId: string, endedAt = T0): SessionEnd => ({ position, sessionId, endedAt })

/** A store that answers each read with the next scripted batch and remembers where each read started. */
function scriptedStore(batches: SessionEnd[][]) {
  const asked: number[] = []
  return {
    asked,
    listSessionEndsAfter: async (position: number) => {
      asked.push(position)
      return batches.shift() ?? []
    },
  }
}

/** A store over a fixed table of rows that honours `position` and `limit`, as the real ones do. */
function tableStore(rows: SessionEnd[]) {
  const asked: number[] = []
  return {
    asked,
    rows,
    listSessionEndsAfter: async (position: number, limit: number) => {
      asked.push(position)
      return rows.filter((row) => row.position > position).slice(0, limit)
    },
  }
}

describe('RevocationList', { timeout: 10_000 }, () => {
  describe('follows session-end positions', { timeout: 10_000 }, () => {
    const cases: { name: string; polls: SessionEnd[][]; asked: number[]; position: number; ended: string[] }[] = [
      {
        name: 'reads on from the highest position seen',
        polls: [[end(1, 'a'), end(2, 'b')], [end(3, 'c')], []],
        asked: [0, 2, 3],
        position: 3,
        ended: ['a', 'b', 'c'],
      },
      {
        name: 'passes over gaps (positions of rolled-back endings are never used)',
        polls: [[end(1, 'a'), end(4, 'b')], [end(9, 'c')]],
        asked: [0, 4],
        position: 9,
        ended: ['a', 'b', 'c'],
      },
      {
        name: 'applies rows that come out of order, the cursor taking the highest',
        polls: [[end(5, 'a'), end(3, 'b')], [end(7, 'c'), end(6, 'd')]],
        asked: [0, 5],
        position: 7,
        ended: ['a', 'b', 'c', 'd'],
      },
      {
        name: 'applies a row at or below the cursor without moving the cursor back',
        polls: [[end(5, 'a')], [end(2, 'late'), end(5, 'a')], []],
        asked: [0, 5, 5],
        position: 5,
        ended: ['a', 'late'],
      },
      {
        name: 'keeps its place across empty reads',
        polls: [[], [end(1, 'a')], [], [end(2, 'b')]],
        asked: [0, 0, 1, 1],
        position: 2,
        ended: ['a', 'b'],
      },
      {
        name: 'counts the same session ended twice (two rows) once',
        polls: [[end(1, 'a'), end(2, 'a')]],
        asked: [0],
        position: 2,
        ended: ['a'],
      },
    ]
    for (const { name, polls, asked, position, ended } of cases) {
      it(name, { timeout: 5_000 }, async () => {
        const store = scriptedStore(polls.map((batch) => [...batch]))
        const list = new RevocationList(store, new FakeClock(T0), RETAIN_MS)
        for (let i = 0; i < polls.length; i++) await list.poll()
        assert.deepEqual(store.asked, asked)
        assert.equal(list.position, position)
        for (const id of ended) assert.equal(list.isEnded(id), true, id)
        assert.equal(list.size, ended.length)
        assert.equal(list.isEnded('never-ended'), false)
      })
    }

    it('reads page after page until it has every row (a start loads them all)', { timeout: 5_000 }, async () => {
      const rows = Array.from({ length: 12_345 }, (_, i) => end(i + 1, `s${i + 1}`))
      const store = tableStore(rows)
      const list = new RevocationList(store, new FakeClock(T0), RETAIN_MS)
      await list.poll()
      assert.deepEqual(store.asked, [0, 5_000, 10_000])
      assert.equal(list.size, rows.length)
      assert.equal(list.position, 12_345)
      assert.ok(list.isEnded('s1') && list.isEnded('s12345'))
    })
  })

  describe('keeps each entry for the retain time from when it learnt of it', { timeout: 10_000 }, () => {
    // The row's endedAt is the ending process's clock: it decides nothing here.
    const cases: { name: string; endedAt: number; advanceMs: number; ended: boolean }[] = [
      { name: 'an end stamped by a clock an hour behind stays the whole retain time', endedAt: T0 - 3_600_000, advanceMs: RETAIN_MS - 1, ended: true },
      { name: 'an end stamped by a clock an hour ahead goes after the retain time all the same', endedAt: T0 + 3_600_000, advanceMs: RETAIN_MS, ended: false },
      { name: 'an end stamped by this clock goes once the retain time has passed', endedAt: T0, advanceMs: RETAIN_MS, ended: false },
    ]
    for (const { name, endedAt, advanceMs, ended } of cases) {
      it(name, { timeout: 5_000 }, async () => {
        const clock = new FakeClock(T0)
        const store = tableStore([end(1, 'a', endedAt)])
        const list = new RevocationList(store, clock, RETAIN_MS)
        await list.poll()
        clock.advance(advanceMs)
        await list.poll()
        assert.equal(list.isEnded('a'), ended)
      })
    }

    it('does not extend an entry when the same end arrives again (broadcast, then the poll)', { timeout: 5_000 }, async () => {
      const clock = new FakeClock(T0)
      const store = tableStore([])
      const list = new RevocationList(store, clock, RETAIN_MS)
      list.add(['a'])
      clock.advance(RETAIN_MS / 2)
      store.rows.push(end(1, 'a'))
      list.add(['b'])
      await list.poll()
      clock.advance(RETAIN_MS / 2)
      await list.poll()
      assert.equal(list.isEnded('a'), false)
      assert.equal(list.isEnded('b'), true)
    })
  })

  describe('reads one at a time', { timeout: 10_000 }, () => {
    it('answers calls made during a read with one more read after it, begun after them', { timeout: 5_000 }, async () => {
      const releases: (() => void)[] = []
      const rows: SessionEnd[] = []
      let reads = 0
      let concurrent = 0
      const store = {
        listSessionEndsAfter: async (position: number) => {
          reads++
          concurrent++
          assert.equal(concurrent, 1, 'two reads at once')
          const snapshot = rows.filter((row) => row.position > position)
          await new Promise<void>((resolve) => releases.push(resolve))
          concurrent--
          return snapshot
        },
      }
      const list = new RevocationList(store, new FakeClock(T0), RETAIN_MS)
      const first = list.poll()
      // Committed after the first read took its snapshot: only a later read can see it.
      rows.push(end(1, 'late'))
      const during = [list.poll(), list.poll(), list.poll()]
      await new Promise((resolve) => setImmediate(resolve))
      releases.shift()?.()
      await first
      assert.equal(list.isEnded('late'), false)
      await new Promise((resolve) => setImmediate(resolve))
      releases.shift()?.()
      await Promise.all(during)
      assert.equal(list.isEnded('late'), true)
      assert.equal(reads, 2)
    })

    it('lets the next call read again after a failed read', { timeout: 5_000 }, async () => {
      let fail = true
      const store = {
        listSessionEndsAfter: async () => {
          if (fail) throw new Error('database away')
          return [end(1, 'a')]
        },
      }
      const list = new RevocationList(store, new FakeClock(T0), RETAIN_MS)
      await assert.rejects(list.poll(), /database away/)
      fail = false
      await list.poll()
      assert.equal(list.isEnded('a'), true)
    })
  })
})
