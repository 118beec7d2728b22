import type { View } from '../context.js'
import { h } from '../dom.js'
import { createForm } from '../form.js'
import { viewFrame } from '../view-frame.js'

/** Asks for a password-reset mail; the link leads to /account/reset-password. */
export const forgotPasswordView: View = {
  title: 'Reset your password',
  needsSession: false,
  async render(context) {
    const frame = viewFrame(context, 'Reset your password', 'Enter the email address of your account and we will mail you a link to choose a new password.')
    const form = createForm({
      notice: frame.notice,
      fields: [{ name: 'email', label: 'Email address', type: 'email', autocomplete: 'email' }],
      submitLabel: 'Send reset link',
      busyLabel: 'Sending…',
      async onSubmit(form) {
        const email = form.value('email').trim()
        await context.client.sendPasswordReset(email)
        form.reset()
        // The same answer whether or not an account has the address (the server's is too).
        frame.notice.show('success', `If an account uses ${email}, a link is on its way. It works for 30 minutes.`)
        frame.notice.element.focus()
      },
    })
    const links = h('p', { class: 'form-links' }, h('a', { href: '#/sign-in' }, 'Back to sign in'))
    frame.body.append(h('div', { class: 'card' }, form.element, links))
    return frame.element
  },
}
