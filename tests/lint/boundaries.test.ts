// The layering rule of eslint.config.js (eslint-plugin-boundaries) bites: an import that runs up or
// across the layers is an error, one that runs down is not, and today's src/ has none.
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname })

/** The boundary errors ESLint reports for `code` as if it were the file at `path`. */
async function boundaryErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path })
  return result!.messages.filter((m) => m.ruleId === 'boundaries/dependencies').map((m) => m.message)
}

describe('layer boundaries', () => {
  it.each([
    ['a service importing the app', 'src/services/fixture.ts', "import { buildApp } from '../app.ts'\nexport const x = buildApp\n", 'category "entry"'],
    ['a service importing a REST route', 'src/services/fixture.ts', "import { estimateRoutes } from '../http/estimate.routes.ts'\nexport const x = estimateRoutes\n", '"services" to elements of type "rest"'],
    ['GraphQL importing the REST door', 'src/graphql/fixture.ts', "import { registerErrorHandler } from '../http/error-handler.ts'\nexport const x = registerErrorHandler\n", '"graphql" to elements of type "rest"'],
    ['REST importing the GraphQL door', 'src/http/fixture.ts', "import { errorFormatter } from '../graphql/errors.ts'\nexport const x = errorFormatter\n", '"rest" to elements of type "graphql"'],
    ['the contract importing a service', 'src/contract/fixture.ts', "import { EstimateService } from '../services/estimate.service.ts'\nexport const x = EstimateService\n", '"contract" to elements of type "services"'],
    ['the engine importing the data layer', 'src/estimation/fixture.ts', "import { migrate } from '../db/migrator.ts'\nexport const x = migrate\n", '"engine" to elements of type "data"'],
    ['the data layer importing a service', 'src/db/fixture.ts', "import { AccessPolicy } from '../services/auth.service.ts'\nexport const x = AccessPolicy\n", '"data" to elements of type "services"'],
  ])('refuses %s', async (_name, path, code, expected) => {
    const errors = await boundaryErrors(path, code)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(expected)
  })

  it('accepts imports that run down the layers', async () => {
    const code = [
      "import { EstimateRequestSchema } from '../contract/estimate.schemas.ts'",
      "import { toProblem } from '../transport/problem.ts'",
      "import { EstimateService } from '../services/estimate.service.ts'",
      'export const x = [EstimateRequestSchema, toProblem, EstimateService]',
    ].join('\n')
    expect(await boundaryErrors('src/graphql/fixture.ts', `${code}\n`)).toEqual([])
  })

  it('finds no boundary error in src/', async () => {
    const results = await eslint.lintFiles(['src/**/*.ts'])
    const errors = results.flatMap((r) => r.messages.filter((m) => m.ruleId?.startsWith('boundaries/')).map((m) => `${r.filePath}:${m.line} ${m.message}`))
    expect(errors).toEqual([])
  }, 120_000)
})
