// graphql's CommonJS build, the instance Mercurius builds and validates the schema with. graphql
// ships both builds; a bundler-style resolver (Vitest) hands ES modules the .mjs one, and its
// classes fail graphql's own instanceof checks against the CommonJS schema ("Cannot use
// GraphQLObjectType from another module or realm"). Runtime values come from here; types may
// still be imported from 'graphql'.
import { createRequire } from 'node:module'

export const graphql: typeof import('graphql') = createRequire(import.meta.url)('graphql')
