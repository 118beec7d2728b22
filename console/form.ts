import { isLatchkeyError } from 'latchkey/client'
import { h, uniqueId } from './dom.js'
import { errorText } from './error-text.js'
import { createNotice, type Notice } from './notice.js'

export interface FieldSpec {
  /** The API's field name: server `errors` for it land on this field. */
  name: string
  label: string
  type?: 'text' | 'email' | 'password'
  autocomplete: string
  hint?: string
  required?: boolean
  value?: string
  inputmode?: 'text' | 'numeric' | 'email'
  /** Read by the browser's spell-checker and auto-capitaliser as a code, not prose. */
  code?: boolean
}

export interface Form {
  element: HTMLFormElement
  notice: Notice
  input(name: string): HTMLInputElement
  value(name: string): string
  /** Marks fields invalid with their messages (server `errors`, or the form's own checks); focuses the first. */
  invalidate(errors: Record<string, string[]>, summary?: string): void
  /** Shows `error` where it belongs: on its fields, or in the notice. */
  fail(error: unknown, fieldOfCode?: Partial<Record<string, string>>): void
  reset(): void
}

interface FormOptions {
  fields: FieldSpec[]
  submitLabel: string
  busyLabel: string
  /** `danger` for a submit that takes something away (turning a protection off). */
  tone?: 'primary' | 'danger'
  /** Before the fields (a paragraph saying what the form does). */
  intro?: Node
  /** The form's own notice region (default: a new one above the fields). */
  notice?: Notice
  onSubmit(form: Form): Promise<void>
}

interface BuiltField {
  input: HTMLInputElement
  error: HTMLElement
  hintId: string | undefined
}

/** A labelled form whose submit runs `onSubmit` once at a time, with accessible field errors. */
export function createForm(options: FormOptions): Form {
  const notice = options.notice ?? createNotice()
  const fields = new Map<string, BuiltField>()
  const rows = options.fields.map((spec) => {
    const id = uniqueId(spec.name)
    const hintId = spec.hint === undefined ? undefined : `${id}-hint`
    const input = h('input', {
      id,
      name: spec.name,
      type: spec.type ?? 'text',
      autocomplete: spec.autocomplete,
      required: spec.required ?? true,
      inputmode: spec.inputmode,
      spellcheck: spec.code === true ? 'false' : undefined,
      autocapitalize: spec.code === true || spec.type === 'email' ? 'off' : undefined,
      'aria-describedby': hintId,
    })
    if (spec.value !== undefined) input.value = spec.value
    const error = h('p', { id: `${id}-error`, class: 'field-error', hidden: true })
    fields.set(spec.name, { input, error, hintId })
    return h('div', { class: 'field' }, h('label', { for: id }, spec.label), input, spec.hint !== undefined && h('p', { id: hintId, class: 'hint' }, spec.hint), error)
  })
  const submit = h('button', { type: 'submit', class: `button ${options.tone ?? 'primary'}` }, options.submitLabel)
  const element = h('form', { novalidate: true }, options.notice === undefined ? notice.element : null, options.intro, ...rows, h('div', { class: 'actions' }, submit))

  const field = (name: string): BuiltField => {
    const found = fields.get(name)
    if (found === undefined) throw new Error(`no field ${name}`)
    return found
  }
  const clearErrors = (): void => {
    for (const { input, error, hintId } of fields.values()) {
      input.removeAttribute('aria-invalid')
      error.hidden = true
      error.replaceChildren()
      if (hintId === undefined) input.removeAttribute('aria-describedby')
      else input.setAttribute('aria-describedby', hintId)
    }
  }

  const form: Form = {
    element,
    notice,
    input: (name) => field(name).input,
    value: (name) => field(name).input.value,
    invalidate(errors, summary = 'Please correct the marked fields.') {
      clearErrors()
      const general: string[] = []
      let first: HTMLInputElement | undefined
      for (const [name, messages] of Object.entries(errors)) {
        const target = fields.get(name)
        if (target === undefined) {
          general.push(...messages)
          continue
        }
        target.input.setAttribute('aria-invalid', 'true')
        target.input.setAttribute('aria-describedby', [target.hintId, target.error.id].filter(Boolean).join(' '))
        target.error.textContent = messages.map(sentence).join(' ')
        target.error.hidden = false
        first ??= target.input
      }
      notice.show('error', summary, general)
      if (first !== undefined) first.focus()
      else notice.element.focus()
    },
    fail(error, fieldOfCode = {}) {
      if (isLatchkeyError(error, 'validation_failed') && error.errors !== undefined) return form.invalidate(error.errors)
      const name = isLatchkeyError(error) ? fieldOfCode[error.code] : undefined
      const target = name === undefined ? undefined : fields.get(name)
      clearErrors()
      notice.show('error', errorText(error))
      if (target === undefined) return notice.element.focus()
      // The field the error is about: marked, described by the notice (said once, not twice), focused.
      target.input.setAttribute('aria-invalid', 'true')
      target.input.setAttribute('aria-describedby', [target.hintId, notice.element.id].filter(Boolean).join(' '))
      target.input.focus()
    },
    reset() {
      element.reset()
      clearErrors()
    },
  }

  let busy = false
  element.addEventListener('submit', (event) => {
    event.preventDefault()
    if (busy) return
    const missing = [...fields.entries()].filter(([, { input }]) => input.required && input.value.trim() === '')
    if (missing.length > 0) {
      const labelOf = (name: string): string => options.fields.find((spec) => spec.name === name)?.label ?? name
      return form.invalidate(Object.fromEntries(missing.map(([name]) => [name, [`Please fill in “${labelOf(name)}”.`]])))
    }
    busy = true
    submit.disabled = true
    submit.textContent = options.busyLabel
    element.setAttribute('aria-busy', 'true')
    notice.clear()
    void options
      .onSubmit(form)
      .catch((error: unknown) => form.fail(error))
      .finally(() => {
        busy = false
        submit.disabled = false
        submit.textContent = options.submitLabel
        element.removeAttribute('aria-busy')
      })
  })
  return form
}

/** A server message as a sentence: capitalised, with a full stop. */
function sentence(message: string): string {
  const text = message.trim()
  if (text === '') return text
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1)
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`
}
