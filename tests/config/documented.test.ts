// Every configuration variable is documented where users look: docs/configuration.md and .env.example.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config.ts'

const root = path.resolve(import.meta.dirname, '../..')
const variables = Object.keys(ConfigSchema.properties)

describe('configuration documentation', () => {
  it.each(['docs/configuration.md', '.env.example'])('%s names every variable', (file) => {
    const text = readFileSync(path.join(root, file), 'utf8')
    expect(variables.filter((name) => !text.includes(name))).toEqual([])
  })
})
