import type { View } from '../context.js'
import { createForm } from '../form.js'
import { h } from '../dom.js'
import { viewFrame } from '../view-frame.js'
import { PASSWORD_HINT } from './sign-up.js'

/** Changes the password: this session keeps working, every other one ends. */
export const passwordView: View = {
  title: 'Change password',
  needsSession: true,
  async render(context) {
    const frame = viewFrame(context, 'Change password', 'Changing your password signs out every other device signed in to your account.')
    const form = createForm({
      notice: frame.notice,
      fields: [
        { name: 'currentPassword', label: 'Current password', type: 'password', autocomplete: 'current-password' },
        { name: 'newPassword', label: 'New password', type: 'password', autocomplete: 'new-password', hint: PASSWORD_HINT },
        { name: 'confirmPassword', label: 'Confirm new password', type: 'password', autocomplete: 'new-password' },
      ],
      submitLabel: 'Change password',
      busyLabel: 'Changing your password…',
      async onSubmit(form) {
        if (form.value('newPassword') !== form.value('confirmPassword')) return form.invalidate({ confirmPassword: ['The two new passwords do not match.'] })
        try {
          await context.client.changePassword({ currentPassword: form.value('currentPassword'), newPassword: form.value('newPassword') })
        } catch (error) {
          return form.fail(error, { invalid_current_password: 'currentPassword' })
        }
        form.reset()
        frame.notice.show('success', 'Your password has been changed. Every other device has been signed out.')
        frame.notice.element.focus()
      },
    })
    frame.body.append(h('div', { class: 'card' }, form.element))
    return frame.element
  },
}
