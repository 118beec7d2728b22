// `node --import tsx bench/summarize-cpu-profile.ts FILE.cpuprofile [--top 25] [--from S] [--to S]`:
// the functions with the most self time in a `node --cpu-prof` profile, and the share of each
// package/folder, as percentages of the busy time (idle samples left out). --from/--to keep the
// samples between those seconds after the profile's start: the measured run, not the boot. A
// second list gives each function's total time, itself and what it calls.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** Self time per function and per place (package, src/ folder, node internals), in ms, over a window of seconds. */
export function summarizeCpuProfile(profile: Profile, window: { fromS?: number; toS?: number } = {}) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfMs = new Map<number, number>()
  let atUs = 0
  const [fromUs, toUs] = [(window.fromS ?? 0) * 1e6, (window.toS ?? Number.POSITIVE_INFINITY) * 1e6]
  profile.samples.forEach((id, i) => {
    const deltaUs = profile.timeDeltas[i] ?? 0
    atUs += deltaUs
    if (atUs >= fromUs && atUs <= toUs) selfMs.set(id, (selfMs.get(id) ?? 0) + deltaUs / 1000)
  })
  const parentOf = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id)
  const functions = new Map<string, number>()
  const inclusive = new Map<string, number>()
  const places = new Map<string, number>()
  let totalMs = 0
  let idleMs = 0
  for (const [id, ms] of selfMs) {
    const frame = (byId.get(id) as ProfileNode).callFrame
    if (frame.functionName === '(idle)' && frame.url === '') {
      idleMs += ms
      continue
    }
    totalMs += ms
    const name = frameName(frame)
    functions.set(name, (functions.get(name) ?? 0) + ms)
    // Total time: each function once per stack it is on (a recursive one is not counted twice).
    const onStack = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) onStack.add(frameName((byId.get(at) as ProfileNode).callFrame))
    for (const caller of onStack) inclusive.set(caller, (inclusive.get(caller) ?? 0) + ms)
    places.set(place(frame), (places.get(place(frame)) ?? 0) + ms)
  }
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1])
  return { totalMs, idleMs, functions: sorted(functions), inclusive: sorted(inclusive), places: sorted(places) }
}

function frameName(frame: ProfileNode['callFrame']): string {
  return `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`
}

/** Where a frame lives: a package name, a folder of src/, node's internals, or V8/GC. */
function place(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg !== null) return pkg[1] as string
  const own = /\/dist\/(src\/[^/]+)/.exec(url)
  if (own !== null) return own[1] as string
  if (url.startsWith('node:')) return url.split('/')[0] as string
  return shortUrl(url)
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' }, from: { type: 'string' }, to: { type: 'string' } },
  })
  const top = Number(values.top)
  const window = { fromS: values.from === undefined ? undefined : Number(values.from), toS: values.to === undefined ? undefined : Number(values.to) }
  for (const file of positionals) {
    const { totalMs, idleMs, functions, inclusive, places } = summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile, window)
    const percent = (ms: number) => `${((ms / totalMs) * 100).toFixed(1).padStart(5)} %`
    console.log(`${file}: ${(totalMs / 1000).toFixed(1)} s busy, ${(idleMs / 1000).toFixed(1)} s idle; shares of the busy time\n\nself time by place:`)
    for (const [name, ms] of places.slice(0, 15)) console.log(`  ${percent(ms)}  ${name}`)
    console.log('\nself time by function:')
    for (const [name, ms] of functions.slice(0, top)) console.log(`  ${percent(ms)}  ${name}`)
    console.log('\ntotal time by function (itself and what it calls):')
    for (const [name, ms] of inclusive.filter(([name]) => !name.startsWith('(root)')).slice(0, top)) console.log(`  ${percent(ms)}  ${name}`)
    console.log('')
  }
}

if (process.argv[1]?.endsWith('summarize-cpu-profile.ts')) main()
