// `npm run openapi`: writes the OpenAPI 3.1 document generated from the routes' schemas to
// openapi/openapi.json (committed; tests/api/openapi.test.ts fails when it is out of date).
// Builds the app without a database: route schemas do not need one.
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { generateOpenApi } from '../src/openapi.ts'

const file = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url))
mkdirSync(fileURLToPath(new URL('../openapi/', import.meta.url)), { recursive: true })
writeFileSync(file, await generateOpenApi())
console.log(`wrote ${file}`)
