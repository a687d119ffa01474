// Labelled form controls bound to a screen's URL parameters. Each shows, under itself, the first
// problem with its value: the console's own check (the API's rules) or the API's 400 naming it.
import type { ComponentChildren } from 'preact'
import type { Params } from '../state.ts'

export interface Form {
  params: Params
  set: (changes: Params) => void
  errors: Record<string, string>
}

const idOf = (name: string) => `f-${name.replace(/[^A-Za-z0-9]+/g, '-')}`

function FieldShell({ form, name, label, hint, children }: { form: Form; name: string; label: string; hint?: string; children: ComponentChildren }) {
  const error = form.errors[name]
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={idOf(name)}>{label}</label>
      {children}
      {hint && <small id={`${idOf(name)}-hint`}>{hint}</small>}
      {error && <p class="field-error" id={`${idOf(name)}-error`} data-error-for={name} role="alert">{error}</p>}
    </div>
  )
}

const described = (form: Form, name: string, hint?: string) => {
  const ids = [hint ? `${idOf(name)}-hint` : '', form.errors[name] ? `${idOf(name)}-error` : ''].filter(Boolean).join(' ')
  return { 'aria-describedby': ids || undefined, 'aria-invalid': form.errors[name] ? true : undefined }
}

export function NumberField({ form, name, label, hint }: { form: Form; name: string; label: string; hint?: string }) {
  return (
    <FieldShell form={form} name={name} label={label} hint={hint}>
      <input id={idOf(name)} name={name} type="text" inputMode="decimal" autoComplete="off" value={form.params[name] ?? ''}
        onInput={(e) => form.set({ [name]: (e.target as HTMLInputElement).value.trim() })} {...described(form, name, hint)} />
    </FieldShell>
  )
}

export function TextField({ form, name, label, hint, placeholder }: { form: Form; name: string; label: string; hint?: string; placeholder?: string }) {
  return (
    <FieldShell form={form} name={name} label={label} hint={hint}>
      <input id={idOf(name)} name={name} type="text" autoComplete="off" value={form.params[name] ?? ''} placeholder={placeholder}
        onInput={(e) => form.set({ [name]: (e.target as HTMLInputElement).value })} {...described(form, name, hint)} />
    </FieldShell>
  )
}

export function SelectField({ form, name, label, options, hint }: { form: Form; name: string; label: string; options: (string | [string, string])[]; hint?: string }) {
  const value = form.params[name] ?? ''
  const listed = options.some((o) => (Array.isArray(o) ? o[0] : o) === value)
  return (
    <FieldShell form={form} name={name} label={label} hint={hint}>
      <select id={idOf(name)} name={name} value={value} onChange={(e) => form.set({ [name]: (e.target as HTMLSelectElement).value })} {...described(form, name, hint)}>
        {!listed && <option value={value}>{value || '—'}</option>}
        {options.map((o) => {
          const [v, text] = Array.isArray(o) ? o : [o, o]
          return <option key={v} value={v}>{text}</option>
        })}
      </select>
    </FieldShell>
  )
}

export function CheckField({ form, name, label, hint }: { form: Form; name: string; label: string; hint?: string }) {
  const error = form.errors[name]
  return (
    <div class={`field check${error ? ' invalid' : ''}`}>
      <input id={idOf(name)} name={name} type="checkbox" checked={form.params[name] === 'true'}
        onChange={(e) => form.set({ [name]: String((e.target as HTMLInputElement).checked) })} {...described(form, name, hint)} />
      <label for={idOf(name)}>{label}</label>
      {hint && <small id={`${idOf(name)}-hint`}>{hint}</small>}
      {error && <p class="field-error" id={`${idOf(name)}-error`} data-error-for={name} role="alert">{error}</p>}
    </div>
  )
}

/** A comma-separated list of choices as a group of checkboxes. */
export function MultiCheck({ form, name, label, options }: { form: Form; name: string; label: string; options: string[] }) {
  const chosen = new Set((form.params[name] ?? '').split(',').filter(Boolean))
  const error = form.errors[name]
  const toggle = (option: string, on: boolean) => {
    const next = options.filter((o) => (o === option ? on : chosen.has(o)))
    form.set({ [name]: next.join(',') })
  }
  return (
    <fieldset class={`field multi${error ? ' invalid' : ''}`} aria-describedby={error ? `${idOf(name)}-error` : undefined}>
      <legend>{label}</legend>
      {options.map((option) => (
        <label key={option} class="chip">
          <input type="checkbox" name={name} value={option} checked={chosen.has(option)} onChange={(e) => toggle(option, (e.target as HTMLInputElement).checked)} />
          {option}
        </label>
      ))}
      {error && <p class="field-error" id={`${idOf(name)}-error`} data-error-for={name} role="alert">{error}</p>}
    </fieldset>
  )
}

export function TextArea({ form, name, label, hint, rows = 6 }: { form: Form; name: string; label: string; hint?: string; rows?: number }) {
  return (
    <FieldShell form={form} name={name} label={label} hint={hint}>
      <textarea id={idOf(name)} name={name} rows={rows} spellcheck={false} value={form.params[name] ?? ''}
        onInput={(e) => form.set({ [name]: (e.target as HTMLTextAreaElement).value })} {...described(form, name, hint)} />
    </FieldShell>
  )
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <fieldset class="section">
      <legend>{title}</legend>
      <div class="grid">{children}</div>
    </fieldset>
  )
}
