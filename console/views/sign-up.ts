import { isLatchkeyError } from 'latchkey/client'
import type { View } from '../context.js'
import { h } from '../dom.js'
import { createForm } from '../form.js'
import { viewFrame } from '../view-frame.js'

export const PASSWORD_HINT = 'Use a long password you use nowhere else: a few unrelated words work well.'

/** Sign-up: registers, then signs in with the same password. */
export const signUpView: View = {
  title: 'Create your account',
  needsSession: false,
  async render(context) {
    const frame = viewFrame(context, 'Create your account', 'One account for everything signed in with Latchkey.')
    const form = createForm({
      notice: frame.notice,
      fields: [
        { name: 'firstName', label: 'First name', autocomplete: 'given-name' },
        { name: 'lastName', label: 'Last name', autocomplete: 'family-name' },
        { name: 'email', label: 'Email address', type: 'email', autocomplete: 'email' },
        { name: 'userName', label: 'User name', autocomplete: 'username', code: true, hint: '3 to 64 letters, digits, or . _ @ + -' },
        { name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', hint: PASSWORD_HINT },
      ],
      submitLabel: 'Create account',
      busyLabel: 'Creating your account…',
      async onSubmit(form) {
        const input = {
          firstName: form.value('firstName'),
          lastName: form.value('lastName'),
          email: form.value('email').trim(),
          userName: form.value('userName'),
          password: form.value('password'),
        }
        try {
          await context.client.register(input)
        } catch (error) {
          return form.fail(error, { duplicate_user_name: 'userName', duplicate_email: 'email' })
        }
        try {
          await context.client.login({ userName: input.userName, password: input.password })
        } catch (error) {
          const text = isLatchkeyError(error, 'email_not_verified')
            ? `Your account is ready. Open the link we mailed to ${input.email} to verify your address, then sign in.`
            : 'Your account is ready. Sign in to continue.'
          return context.go('sign-in', { kind: 'success', text })
        }
        context.signedIn()
      },
    })
    const links = h('p', { class: 'form-links' }, 'Already have an account? ', h('a', { href: '#/sign-in' }, 'Sign in'))
    frame.body.append(h('div', { class: 'card' }, form.element, links))
    return frame.element
  },
}
