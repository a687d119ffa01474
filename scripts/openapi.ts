// `npm run openapi`: writes the OpenAPI 3.1 document generated from the routes' schemas to
// openapi/openapi.json (committed; tests/api/openapi.test.ts fails when it is out of date), and
// the typed client's types generated from it to clients/typescript/schema.ts (committed too;
// tests/client/typescript-client.test.ts fails when they are stale).
// Builds the app without a database: route schemas do not need one.
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { generateClientTypes } from '../clients/typescript/generate.ts'
import { generateOpenApi } from '../src/openapi.ts'

const file = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url))
mkdirSync(fileURLToPath(new URL('../openapi/', import.meta.url)), { recursive: true })
const document = await generateOpenApi()
writeFileSync(file, document)
console.log(`wrote ${file}`)

const types = fileURLToPath(new URL('../clients/typescript/schema.ts', import.meta.url))
writeFileSync(types, await generateClientTypes(document))
console.log(`wrote ${types}`)
