import type { Account } from 'latchkey/client'
import type { View } from '../context.js'
import { h } from '../dom.js'
import { errorText } from '../error-text.js'
import { timeElement } from '../time-text.js'
import { badge, card, viewFrame } from '../view-frame.js'

/** The signed-in user's profile (`GET /api/accounts/me`), and a verification mail when the address is not verified. */
export const profileView: View = {
  title: 'Profile',
  needsSession: true,
  async render(context) {
    const account = await context.account()
    const frame = viewFrame(context, 'Profile', 'Your personal details and the address we use to reach you.')
    const verify = h('button', { type: 'button', class: 'button secondary' }, 'Send verification mail')
    verify.addEventListener('click', () => {
      verify.disabled = true
      context.client
        .sendVerification(account.email)
        .then(
          () => frame.notice.show('success', `We sent a verification link to ${account.email}. It works for 24 hours.`),
          (error: unknown) => frame.notice.show('error', errorText(error)),
        )
        .finally(() => {
          verify.disabled = false
          frame.notice.element.focus()
        })
    })
    frame.body.append(
      card(
        'Your details',
        h(
          'dl',
          { class: 'details' },
          ...row('Name', `${account.firstName} ${account.lastName}`.trim() || '—'),
          ...row('User name', account.userName),
          ...row('Email', h('span', { class: 'with-badge' }, account.email, emailBadge(account))),
          ...row('Two-factor authentication', h('span', { class: 'with-badge' }, account.mfaEnabled ? badge('On', 'success') : badge('Off', 'neutral'), h('a', { href: '#/two-factor' }, account.mfaEnabled ? 'Manage' : 'Turn on'))),
          ...row('Member since', timeElement(account.createdAt, 'date')),
        ),
        !account.emailVerified &&
          h(
            'div',
            { class: 'callout' },
            h('p', {}, 'Your email address is not verified yet. Verify it so that you can reset your password if you ever forget it.'),
            verify,
          ),
        h('p', { class: 'card-footer' }, h('a', { href: '#/email' }, 'Change email address'), h('span', { 'aria-hidden': 'true' }, ' · '), h('a', { href: '#/password' }, 'Change password')),
      ),
    )
    return frame.element
  },
}

function emailBadge(account: Account): HTMLElement {
  return account.emailVerified ? badge('Verified', 'success') : badge('Not verified', 'warning')
}

function row(term: string, value: Node | string): HTMLElement[] {
  return [h('dt', {}, term), h('dd', {}, value)]
}
