// Dates in query parameters and GraphQL DateTime values, read the same way by both doors.
import { ValidationError } from './errors.ts'

/** `YYYY-MM-DD` is midnight UTC, and so is a date-time without an offset: results must not depend on the server's zone. */
export function parseInstant(field: string, text: string): Date {
  const [, year, month, day] = (/^(\d{4})-(\d{2})-(\d{2})/.exec(text) ?? []).map(Number)
  const calendar = new Date(Date.UTC(year ?? NaN, (month ?? NaN) - 1, day ?? NaN))
  const iso = text.length === 10 ? `${text}T00:00:00Z` : /(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`
  const instant = new Date(iso)
  if (Number.isNaN(instant.getTime()) || calendar.getUTCMonth() + 1 !== month || calendar.getUTCDate() !== day) {
    throw new ValidationError(field, 'must be a valid date (YYYY-MM-DD) or ISO 8601 date-time')
  }
  return instant
}
