// Optimistic concurrency shared by every versioned resource (catalog entries, scenarios): an
// update names the version it read (HTTP If-Match, GraphQL expectedVersion) and loses to any
// write that came between. The services enforce it, so both transports behave the same.
import { AppError } from '../contract/errors.ts'

/** 428: the client must say which version it read; updating blind would lose others' writes (RFC 6585 §3). */
export function requireVersion(expected: number | undefined, what: string): number {
  if (expected === undefined) {
    throw new AppError('PRECONDITION_REQUIRED', 428, `Updating ${what} needs the version you read: send If-Match with its ETag`)
  }
  return expected
}

/** 412: someone changed the resource since the client read it (RFC 9110 §13.1.1). */
export function staleVersion(what: string, expected: number, current: number): AppError {
  return new AppError('PRECONDITION_FAILED', 412, `${what} is at version ${current}, not ${expected}: read it again and retry`)
}
