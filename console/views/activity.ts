import type { ActivityEvent } from 'latchkey/client'
import type { View } from '../context.js'
import { deviceName } from '../device-name.js'
import { h } from '../dom.js'
import { timeElement } from '../time-text.js'
import { viewFrame } from '../view-frame.js'

/** What each security event means to the user; `alert` marks the ones worth a second look. */
const EVENTS: Record<string, { text: string; alert?: boolean }> = {
  registered: { text: 'Account created' },
  login_succeeded: { text: 'Signed in' },
  login_failed: { text: 'Failed sign-in attempt', alert: true },
  login_throttled: { text: 'Sign-in attempts slowed down', alert: true },
  refresh_reuse_detected: { text: 'A used session token came back: session ended', alert: true },
  session_ended: { text: 'Session ended' },
  password_changed: { text: 'Password changed' },
  roles_changed: { text: 'Permissions changed' },
  verification_sent: { text: 'Verification mail sent' },
  email_verified: { text: 'Email address verified' },
  password_reset_requested: { text: 'Password reset requested' },
  password_reset: { text: 'Password reset' },
  email_change_requested: { text: 'Email change requested' },
  email_changed: { text: 'Email address changed' },
  mfa_enabled: { text: 'Two-factor authentication turned on' },
  mfa_disabled: { text: 'Two-factor authentication turned off', alert: true },
  recovery_code_used: { text: 'Recovery code used', alert: true },
}

/** The user's last 50 security events, newest first. */
export const activityView: View = {
  title: 'Security activity',
  needsSession: true,
  async render(context) {
    const events = await context.client.activity()
    const frame = viewFrame(context, 'Security activity', 'The latest security events of your account. Something you did not do? Change your password and end your other sessions.')
    const table = h(
      'table',
      { class: 'activity' },
      h('caption', { class: 'visually-hidden' }, 'Security events, newest first'),
      h('thead', {}, h('tr', {}, ...['Event', 'When', 'Device', 'IP address'].map((title) => h('th', { scope: 'col' }, title)))),
      h('tbody', {}, ...events.map(eventRow)),
    )
    frame.body.append(h('div', { class: 'card flush' }, events.length === 0 ? h('p', { class: 'empty' }, 'No activity yet.') : h('div', { class: 'table-scroll' }, table)))
    return frame.element
  },
}

function eventRow(event: ActivityEvent): HTMLElement {
  const known = EVENTS[event.type]
  const text = known?.text ?? event.type.replace(/_/g, ' ').replace(/^./, (first) => first.toUpperCase())
  return h(
    'tr',
    { class: known?.alert === true ? 'alert' : '' },
    h('th', { scope: 'row' }, h('span', { class: 'event-dot', 'aria-hidden': 'true' }), text),
    h('td', {}, timeElement(event.at)),
    h('td', {}, deviceName(event.userAgent)),
    h('td', { class: 'mono' }, event.ipAddress ?? '—'),
  )
}
