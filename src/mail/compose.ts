// The text of each mail (contract §9): a subject that says what it is for, a plain-text body
// with the link alone on its own line, and what to do if the reader did not ask for it.

export interface ComposedMail {
  subject: string
  text: string
}

export interface LinkMailInput {
  /** PUBLIC_URL, without a trailing slash. */
  publicUrl: string
  token: string
  userName: string
}

/** `{PUBLIC_URL}/account/<page>#token=<token>`: in the fragment, so no server or proxy logs it. */
export function accountLink(publicUrl: string, page: 'verify-email' | 'reset-password', token: string): string {
  return `${publicUrl}/account/${page}#token=${token}`
}

export function verificationMail({ publicUrl, token, userName }: LinkMailInput): ComposedMail {
  return {
    subject: 'Verify your email address',
    text: lines(
      `Hello ${userName},`,
      '',
      'Please confirm that this address belongs to your account by opening this link:',
      '',
      accountLink(publicUrl, 'verify-email', token),
      '',
      'The link works once, for 24 hours.',
      'If you did not create an account, you can ignore this mail.',
    ),
  }
}

export function passwordResetMail({ publicUrl, token, userName }: LinkMailInput): ComposedMail {
  return {
    subject: 'Reset your password',
    text: lines(
      `Hello ${userName},`,
      '',
      'Someone asked to reset the password of your account. To choose a new password, open this link:',
      '',
      accountLink(publicUrl, 'reset-password', token),
      '',
      'The link works once, for 30 minutes. Using it signs you out everywhere.',
      'If you did not ask for this, ignore this mail: your password stays as it is.',
    ),
  }
}

export function emailChangeMail({ publicUrl, token, userName }: LinkMailInput): ComposedMail {
  return {
    subject: 'Confirm your new email address',
    text: lines(
      `Hello ${userName},`,
      '',
      'Your account asked to use this address from now on. To confirm the change, open this link:',
      '',
      accountLink(publicUrl, 'verify-email', token),
      '',
      'The link works once, for 24 hours. Until it is used, the account keeps its current address.',
      'If you did not ask for this, ignore this mail.',
    ),
  }
}

/** To the old address: no link, so a reader of that mailbox cannot act on the change. */
export function emailChangeNotice({ userName }: { userName: string }): ComposedMail {
  return {
    subject: 'A change of your email address was requested',
    text: lines(
      `Hello ${userName},`,
      '',
      'Someone signed in to your account asked to change its email address. A confirmation link',
      'went to the new address; the change happens only when that link is used.',
      '',
      'If this was not you, change your password now, or ask for a password reset link for this',
      'address: either ends every session of your account and voids the change link.',
    ),
  }
}

function lines(...text: string[]): string {
  return `${text.join('\n')}\n`
}
