// REST's error and not-found handlers: every failure leaves as problem+json (src/transport/problem.ts).
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { RETRY_AFTER_S } from '../contract/errors.ts'
import { PROBLEM_CONTENT_TYPE, problemType, toProblem, type Problem } from '../transport/problem.ts'

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem)
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(err, request.url)
    if ((problem.status === 503 || problem.status === 429) && !reply.hasHeader('retry-after')) reply.header('retry-after', RETRY_AFTER_S)
    if (problem.status >= 500) request.log.error({ err }, 'request failed')
    else request.log.info({ code: problem.code, detail: problem.detail }, 'request rejected')
    return sendProblem(reply, problem)
  })
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      type: problemType('ROUTE_NOT_FOUND'),
      title: STATUS_CODES[404]!,
      status: 404,
      detail: `No route ${request.method} ${request.url.split('?')[0]}`,
      code: 'ROUTE_NOT_FOUND',
      instance: request.url,
      errors: [],
    }),
  )
}
