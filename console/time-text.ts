import { h } from './dom.js'

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
]

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' })
const absolute = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' })

/** "just now", "3 minutes ago", "yesterday": how long ago `iso` was. */
export function timeAgo(iso: string, nowMs = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - nowMs) / 1000)
  if (Math.abs(seconds) < 45) return 'just now'
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'minute') return relative.format(Math.round(seconds / size), unit)
  }
  return 'just now'
}

/** "Nov 26, 2026, 12:00 PM" in the reader's time zone. */
export function dateTime(iso: string): string {
  return absolute.format(new Date(iso))
}

/** A `<time>` showing how long ago, with the exact moment in its `datetime` and tooltip. */
export function timeElement(iso: string, style: 'ago' | 'date' = 'ago'): HTMLTimeElement {
  return h('time', { datetime: iso, title: dateTime(iso) }, style === 'ago' ? timeAgo(iso) : dateTime(iso))
}
