import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { type Config, loadConfig } from '../src/config.js'
import { CONFIG_TABLE_END, CONFIG_TABLE_START, type ConfigVariable, configTable, renderConfigTable } from '../src/config-table.js'

const rows = Object.entries(configTable) as [keyof Config, ConfigVariable<unknown>][]

function readmeTable(): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const start = readme.indexOf(CONFIG_TABLE_START)
  const end = readme.indexOf(CONFIG_TABLE_END)
  assert.ok(start !== -1 && end > start, `README.md has no ${CONFIG_TABLE_START} … ${CONFIG_TABLE_END}`)
  return readme.slice(start + CONFIG_TABLE_START.length, end).trim()
}

describe('the configuration table', { timeout: 30_000 }, () => {
  it('is the table README.md shows (run `npm run docs:config` after changing a variable)', { timeout: 30_000 }, () => {
    assert.equal(readmeTable(), renderConfigTable())
  })

  it('has every variable on exactly one row of the README table', { timeout: 30_000 }, () => {
    const names = readmeTable()
      .split('\n')
      .slice(2)
      .map((line) => /^\| `([A-Z_]+)` \|/.exec(line)?.[1])
    for (const [, variable] of rows) {
      assert.equal(names.filter((name) => name === variable.env).length, 1, `${variable.env} is not on exactly one row`)
    }
    assert.equal(names.length, rows.length)
    assert.equal(new Set(rows.map(([, variable]) => variable.env)).size, rows.length, 'a variable is declared twice')
  })

  it('gives each declared default when nothing is set', { timeout: 30_000 }, () => {
    const config = loadConfig({})
    assert.deepEqual(Object.keys(config).sort(), rows.map(([field]) => field).sort())
    for (const [field, variable] of rows) assert.deepEqual(config[field], variable.parser.fallback, field)
  })

  it('fills every {allowed} in a meaning', { timeout: 30_000 }, () => {
    assert.doesNotMatch(renderConfigTable(), /\{allowed\}/)
  })
})
