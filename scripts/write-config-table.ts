import { readFileSync, writeFileSync } from 'node:fs'
import { CONFIG_TABLE_END, CONFIG_TABLE_START, renderConfigTable } from '../src/config-table.js'

// Rewrites README.md's configuration table from the declaration in src/config-table.ts (`npm run docs:config`).

const readmeUrl = new URL('../README.md', import.meta.url)
const readme = readFileSync(readmeUrl, 'utf8')
const start = readme.indexOf(CONFIG_TABLE_START)
const end = readme.indexOf(CONFIG_TABLE_END)
if (start === -1 || end < start) {
  console.error(`README.md needs ${CONFIG_TABLE_START} and then ${CONFIG_TABLE_END} around the configuration table`)
  process.exit(1)
}

const before = readme.slice(0, start + CONFIG_TABLE_START.length)
const rewritten = `${before}\n\n${renderConfigTable()}\n\n${readme.slice(end)}`
if (rewritten === readme) {
  console.log('README.md: the configuration table is up to date')
} else {
  writeFileSync(readmeUrl, rewritten)
  console.log('README.md: the configuration table was rewritten')
}
