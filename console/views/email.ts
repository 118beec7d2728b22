import type { View } from '../context.js'
import { h } from '../dom.js'
import { createForm } from '../form.js'
import { badge, card, viewFrame } from '../view-frame.js'

/** Changes the email address: a link goes to the new one, and the change happens when it is opened. */
export const emailView: View = {
  title: 'Email address',
  needsSession: true,
  async render(context) {
    const account = await context.account()
    const frame = viewFrame(context, 'Email address', 'We use it to sign you in and to help you back in if you forget your password.')
    const form = createForm({
      notice: frame.notice,
      intro: h('p', {}, 'We will mail a link to the new address; your address changes when you open it. Your current address gets a notice.'),
      fields: [
        { name: 'newEmail', label: 'New email address', type: 'email', autocomplete: 'email' },
        { name: 'currentPassword', label: 'Current password', type: 'password', autocomplete: 'current-password' },
      ],
      submitLabel: 'Send confirmation link',
      busyLabel: 'Sending…',
      async onSubmit(form) {
        const newEmail = form.value('newEmail').trim()
        try {
          await context.client.changeEmail({ newEmail, currentPassword: form.value('currentPassword') })
        } catch (error) {
          return form.fail(error, { invalid_current_password: 'currentPassword', duplicate_email: 'newEmail' })
        }
        form.reset()
        frame.notice.show('success', `We sent a link to ${newEmail}. Open it within 24 hours to make it your address; until then ${account.email} stays.`)
        frame.notice.element.focus()
      },
    })
    frame.body.append(
      card(
        'Current address',
        h('p', { class: 'with-badge big' }, account.email, account.emailVerified ? badge('Verified', 'success') : badge('Not verified', 'warning')),
        !account.emailVerified && h('p', { class: 'hint' }, 'Not verified yet: ', h('a', { href: '#/profile' }, 'send a verification mail from your profile'), '.'),
      ),
      card('Change address', form.element),
    )
    return frame.element
  },
}
