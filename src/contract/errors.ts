// Domain errors with stable codes. Services throw these; each transport maps them once
// (src/transport/problem.ts: problem+json for REST, extensions.code for GraphQL).

export interface FieldError {
  /** JSON pointer into the request, e.g. `/training/sequenceLength`. */
  field: string
  message: string
  /** Where the failing key sits in a text the request carried (a training config): 1-based line and column. */
  line?: number
  column?: number
}

export class AppError extends Error {
  override readonly name: string = 'AppError'
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message)
  }

  /** The first failing field, when the error is about one. */
  get field(): string | undefined {
    return this.errors[0]?.field
  }
}

export type CatalogKind = 'model' | 'gpu' | 'price' | 'scenario' | 'api key'

export class NotFoundError extends AppError {
  override readonly name = 'NotFoundError'
  constructor(readonly kind: CatalogKind | string, readonly id: string, code = `${kind.toUpperCase().replace(/\W+/g, '_')}_NOT_FOUND`) {
    super(code, 404, `No ${kind} with id "${id}"`)
  }
}

export class ValidationError extends AppError {
  override readonly name = 'ValidationError'
  constructor(field: string, message: string, code = 'VALIDATION_FAILED') {
    super(code, 400, `${field} ${message}`, [{ field, message }])
  }

  static of(errors: FieldError[], code = 'VALIDATION_FAILED'): AppError {
    const detail = errors.map((e) => `${e.field} ${e.message}`).join('; ')
    return new AppError(code, 400, detail, errors)
  }
}

export class ConflictError extends AppError {
  override readonly name = 'ConflictError'
  constructor(message: string, code = 'CONFLICT') {
    super(code, 409, message)
  }
}

export class UnauthorizedError extends AppError {
  override readonly name = 'UnauthorizedError'
  constructor(message = 'A valid API key is required', code = 'UNAUTHORIZED') {
    super(code, 401, message)
  }
}

export class ForbiddenError extends AppError {
  override readonly name = 'ForbiddenError'
  constructor(message = 'This API key may not do that', code = 'FORBIDDEN') {
    super(code, 403, message)
  }
}

export class ServiceUnavailableError extends AppError {
  override readonly name = 'ServiceUnavailableError'
  constructor(message = 'The database is not available', code = 'SERVICE_UNAVAILABLE') {
    super(code, 503, message)
  }
}

/** Seconds a client is asked to wait before retrying a 503: database away, timeout, load shed, full worker queue. */
export const RETRY_AFTER_S = 5

/** Shed under pressure (load shedding, a full worker queue): come back after `retryAfterSeconds`. */
export class OverloadedError extends AppError {
  override readonly name = 'OverloadedError'
  constructor(readonly retryAfterSeconds: number, reason: string) {
    super('OVERLOADED', 503, `The service is overloaded (${reason}); retry after ${retryAfterSeconds} s`)
  }
}

/**
 * The client closed its connection before the answer was ready, so the work it asked for is
 * dropped (a search still waiting for a worker). 499 is nginx's "client closed request": nobody
 * reads the answer, but logs and metrics tell it apart from a server error.
 */
export class ClientClosedError extends AppError {
  override readonly name = 'ClientClosedError'
  constructor(message = 'The client closed the request before it was answered') {
    super('CLIENT_CLOSED_REQUEST', 499, message)
  }
}
