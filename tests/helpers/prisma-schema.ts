// A small reader of prisma/schema.prisma's model blocks: enough to state, per model, the table,
// columns, keys, indexes and foreign keys that Prisma Migrate would create on PostgreSQL.
import { readFileSync } from 'node:fs'

export interface ExpectedColumn {
  name: string
  /** information_schema.columns.data_type */
  dataType: string
  /** udt_name, which tells arrays apart (_text) */
  udtName: string
  nullable: boolean
  /** column_default as PostgreSQL reports it, or null */
  default: string | null
  datetimePrecision: number | null
}

export interface ExpectedIndex {
  name: string
  columns: string[]
  unique: boolean
  primary: boolean
}

export interface ExpectedForeignKey {
  name: string
  columns: string[]
  referencedTable: string
  referencedColumns: string[]
  onDelete: string
  onUpdate: string
}

export interface ExpectedTable {
  model: string
  table: string
  columns: ExpectedColumn[]
  indexes: ExpectedIndex[]
  foreignKeys: ExpectedForeignKey[]
}

const SCALARS: Record<string, { dataType: string; udtName: string }> = {
  String: { dataType: 'text', udtName: 'text' },
  Int: { dataType: 'integer', udtName: 'int4' },
  BigInt: { dataType: 'bigint', udtName: 'int8' },
  Float: { dataType: 'double precision', udtName: 'float8' },
  Boolean: { dataType: 'boolean', udtName: 'bool' },
  Json: { dataType: 'jsonb', udtName: 'jsonb' },
  DateTime: { dataType: 'timestamp without time zone', udtName: 'timestamp' },
}

/** PostgreSQL's identifier limit; Prisma truncates generated names to it, keeping the suffix. */
const MAX_IDENTIFIER = 63
const constraintName = (table: string, columns: string[], suffix: string) =>
  `${table}_${columns.join('_')}`.slice(0, MAX_IDENTIFIER - suffix.length - 1) + `_${suffix}`

const REFERENTIAL_ACTIONS: Record<string, string> = {
  Cascade: 'CASCADE', Restrict: 'RESTRICT', NoAction: 'NO ACTION', SetNull: 'SET NULL', SetDefault: 'SET DEFAULT',
}

const argList = (text: string) => text.split(',').map((part) => part.trim()).filter(Boolean)

export function readPrismaSchema(file: string): ExpectedTable[] {
  const source = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '')
  const blocks = [...source.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)].map(([, model, body]) => ({ model: model!, body: body! }))
  const models = new Set(blocks.map((block) => block.model))
  const tableOf = new Map(blocks.map(({ model, body }) => [model, /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? model]))

  return blocks.map(({ model, body }) => {
    const table = tableOf.get(model)!
    const columns: ExpectedColumn[] = []
    const indexes: ExpectedIndex[] = []
    const foreignKeys: ExpectedForeignKey[] = []
    const columnOf = new Map<string, string>()
    const relations: { fields: string[]; references: string[]; target: string; onDelete?: string; onUpdate?: string }[] = []

    for (const line of body.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('@@'))) {
      const [, field, type, modifier, attributes = ''] = /^(\w+)\s+(\w+)(\[\]|\?)?\s*(.*)$/.exec(line) ?? []
      if (!field || !type) continue
      if (models.has(type)) {
        const relation = /@relation\(([^)]*)\)/.exec(attributes)?.[1]
        const fields = relation && /fields:\s*\[([^\]]*)\]/.exec(relation)?.[1]
        if (relation && fields) {
          relations.push({
            fields: argList(fields),
            references: argList(/references:\s*\[([^\]]*)\]/.exec(relation)![1]!),
            target: type,
            onDelete: /onDelete:\s*(\w+)/.exec(relation)?.[1],
            onUpdate: /onUpdate:\s*(\w+)/.exec(relation)?.[1],
          })
        }
        continue
      }
      const column = /@map\("([^"]+)"\)/.exec(attributes)?.[1] ?? field
      columnOf.set(field, column)
      const scalar = SCALARS[type]
      if (!scalar) throw new Error(`schema drift test: unsupported type ${type} on ${model}.${field}`)
      const timestamptz = /@db\.Timestamptz\((\d+)\)/.exec(attributes)
      const precision = /@db\.Timestamp\((\d+)\)/.exec(attributes)
      const list = modifier === '[]'
      const dataType = timestamptz ? 'timestamp with time zone' : scalar.dataType
      const udtName = timestamptz ? 'timestamptz' : scalar.udtName
      const dbDefault = /@default\((.*?)\)(?=\s|$)/.exec(attributes)?.[1]
      columns.push({
        name: column,
        dataType: list ? 'ARRAY' : dataType,
        udtName: list ? `_${udtName}` : udtName,
        // Prisma lists are nullable columns; scalars follow `?`.
        nullable: list || modifier === '?',
        default: defaultOf(dbDefault, type),
        datetimePrecision: type === 'DateTime' ? Number((timestamptz ?? precision)?.[1] ?? 3) : null,
      })
      if (/@id\b/.test(attributes)) indexes.push({ name: `${table}_pkey`, columns: [column], unique: true, primary: true })
      if (/@unique\b/.test(attributes)) indexes.push({ name: constraintName(table, [column], 'key'), columns: [column], unique: true, primary: false })
    }

    const columnsOf = (fields: string) => argList(fields).map((f) => columnOf.get(f) ?? f)
    for (const [, kind, fields] of body.matchAll(/@@(unique|index)\(\[([^\]]*)\]/g)) {
      const cols = columnsOf(fields!)
      indexes.push({ name: constraintName(table, cols, kind === 'unique' ? 'key' : 'idx'), columns: cols, unique: kind === 'unique', primary: false })
    }
    for (const relation of relations) {
      const cols = relation.fields.map((f) => columnOf.get(f)!)
      const optional = columns.filter((c) => cols.includes(c.name)).every((c) => c.nullable)
      foreignKeys.push({
        name: constraintName(table, cols, 'fkey'),
        columns: cols,
        referencedTable: tableOf.get(relation.target)!,
        referencedColumns: relation.references,
        // Prisma's defaults: SetNull for optional relations, Restrict for required ones; updates cascade.
        onDelete: REFERENTIAL_ACTIONS[relation.onDelete ?? (optional ? 'SetNull' : 'Restrict')]!,
        onUpdate: REFERENTIAL_ACTIONS[relation.onUpdate ?? 'Cascade']!,
      })
    }
    return { model, table, columns, indexes, foreignKeys }
  })
}

/** The column_default PostgreSQL reports for a Prisma @default, or null when Prisma fills it in the client. */
function defaultOf(value: string | undefined, type: string): string | null {
  if (value === undefined || /^(uuid|cuid|nanoid|ulid)\(/.test(value)) return null
  if (value === 'now()') return 'CURRENT_TIMESTAMP'
  // An empty scalar list: Prisma Migrate writes DEFAULT ARRAY[]::TEXT[].
  if (value === '[]' && type === 'String') return 'ARRAY[]::text[]'
  if (value.startsWith('"')) return `'${value.slice(1, -1)}'::text`
  if (type === 'BigInt') return `'${value}'::bigint`
  return value
}
