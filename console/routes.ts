import type { RouteName, View } from './context.js'
import { activityView } from './views/activity.js'
import { emailView } from './views/email.js'
import { forgotPasswordView } from './views/forgot-password.js'
import { passwordView } from './views/password.js'
import { profileView } from './views/profile.js'
import { sessionsView } from './views/sessions.js'
import { signInView } from './views/sign-in.js'
import { signUpView } from './views/sign-up.js'
import { twoFactorView } from './views/two-factor.js'

export const VIEWS: Record<RouteName, View> = {
  'sign-in': signInView,
  'sign-up': signUpView,
  'forgot-password': forgotPasswordView,
  profile: profileView,
  sessions: sessionsView,
  activity: activityView,
  password: passwordView,
  email: emailView,
  'two-factor': twoFactorView,
}

/** The signed-in navigation, in order. */
export const NAVIGATION: Array<[RouteName, string]> = [
  ['profile', 'Profile'],
  ['sessions', 'Sessions'],
  ['activity', 'Security activity'],
  ['password', 'Password'],
  ['email', 'Email address'],
  ['two-factor', 'Two-factor authentication'],
]

/** The view a fragment names (`#/sessions`), or undefined for any other fragment (`#content`, none). */
export function routeOf(hash: string): RouteName | undefined {
  const name = hash.startsWith('#/') ? hash.slice(2).toLowerCase() : ''
  return Object.hasOwn(VIEWS, name) ? (name as RouteName) : undefined
}
