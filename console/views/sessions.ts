import type { Session } from 'latchkey/client'
import type { ConsoleContext, View } from '../context.js'
import { deviceName } from '../device-name.js'
import { h, svg } from '../dom.js'
import { errorText } from '../error-text.js'
import type { Notice } from '../notice.js'
import { timeElement } from '../time-text.js'
import { badge, viewFrame } from '../view-frame.js'

/** The user's live sessions: device, address, last use; end one, or every other. */
export const sessionsView: View = {
  title: 'Sessions',
  needsSession: true,
  async render(context) {
    const frame = viewFrame(context, 'Sessions', 'The devices signed in to your account. End any session you do not recognise, then change your password.')
    const list = h('ul', { class: 'session-list', 'aria-label': 'Signed-in devices' })
    const endOthers = h('button', { type: 'button', class: 'button secondary' }, 'End all other sessions')
    const toolbar = h('div', { class: 'toolbar' }, h('p', { class: 'count', id: 'session-count' }), endOthers)

    const show = (sessions: Session[]): void => {
      list.replaceChildren(...sessions.map((session) => sessionItem(context, session, frame.notice, reload)))
      const others = sessions.filter((session) => !session.current).length
      toolbar.querySelector('.count')!.textContent = `${sessions.length} active session${sessions.length === 1 ? '' : 's'}`
      endOthers.hidden = others === 0
    }
    const reload = async (): Promise<void> => show(await context.client.sessions())

    endOthers.addEventListener('click', () => {
      endOthers.disabled = true
      void (async () => {
        const others = (await context.client.sessions()).filter((session) => !session.current)
        // One request per session; one that ended meanwhile (404) is ended all the same.
        const results = await Promise.allSettled(others.map((session) => context.client.endSession(session.id)))
        const failed = results.filter((result) => result.status === 'rejected' && !isNotFound(result.reason))
        await reload()
        if (failed.length === 0) frame.notice.show('success', `Signed out ${others.length} other session${others.length === 1 ? '' : 's'}.`)
        else frame.notice.show('error', errorText((failed[0] as PromiseRejectedResult).reason))
      })()
        .catch((error: unknown) => frame.notice.show('error', errorText(error)))
        .finally(() => {
          endOthers.disabled = false
          frame.notice.element.focus()
        })
    })

    show(await context.client.sessions())
    frame.body.append(h('div', { class: 'card' }, toolbar, list))
    return frame.element
  },
}

function sessionItem(context: ConsoleContext, session: Session, notice: Notice, reload: () => Promise<void>): HTMLElement {
  const device = deviceName(session.userAgent)
  // Each button's name says which session it ends (a list of identical "End session" buttons is
  // useless to a screen reader), starting with the words it shows.
  const which = session.current ? '' : ` on ${device}${session.ipAddress === null ? '' : ` at ${session.ipAddress}`}`
  const end = h(
    'button',
    { type: 'button', class: session.current ? 'button secondary' : 'button danger' },
    session.current ? 'Sign out here' : 'End session',
    which !== '' && h('span', { class: 'visually-hidden' }, which),
  )
  end.addEventListener('click', () => {
    end.disabled = true
    context.client.endSession(session.id).then(
      async () => {
        // Ending this device's own session signs out: the console moves to the sign-in view itself.
        if (session.current) return
        await reload()
        notice.show('success', `Ended the session on ${device}. That device is signed out on its next request.`)
        notice.element.focus()
      },
      (error: unknown) => {
        end.disabled = false
        notice.show('error', isNotFound(error) ? 'That session had already ended.' : errorText(error))
        notice.element.focus()
        if (isNotFound(error)) void reload()
      },
    )
  })
  return h(
    'li',
    { class: session.current ? 'session current' : 'session' },
    h('div', { class: 'session-icon', 'aria-hidden': 'true' }, deviceIcon(session.userAgent)),
    h(
      'div',
      { class: 'session-main' },
      h('p', { class: 'session-device' }, h('strong', {}, device), session.current && badge('This device', 'accent')),
      h(
        'p',
        { class: 'session-meta' },
        h('span', {}, 'IP ', session.ipAddress ?? 'unknown'),
        h('span', {}, 'Last active ', timeElement(session.lastUsedAt)),
        h('span', {}, 'Signed in ', timeElement(session.createdAt, 'date')),
      ),
    ),
    end,
  )
}

/** A phone or a laptop, drawn (no icon font, no image request). */
function deviceIcon(userAgent: string | null): SVGSVGElement {
  const stroke = { fill: 'none', stroke: 'currentColor', 'stroke-width': 1.8, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }
  const phone = /\b(?:iPhone|Android|Mobile)\b/.test(userAgent ?? '')
  const shapes = phone
    ? [svg('rect', { x: 7, y: 2.5, width: 10, height: 19, rx: 2, ...stroke }), svg('path', { d: 'M11 18.5h2', ...stroke })]
    : [svg('rect', { x: 4, y: 4.5, width: 16, height: 11, rx: 1.5, ...stroke }), svg('path', { d: 'M2 19.5h20', ...stroke })]
  return svg('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false' }, ...shapes)
}

function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'not_found'
}
