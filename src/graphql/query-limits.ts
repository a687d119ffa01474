// Limits on what one GraphQL document may ask for, so a single request cannot cost the service
// more than a page of REST calls: selection depth (Mercurius `queryDepth`), aliases (each alias
// can repeat an expensive field), and a static cost estimate: every field costs 1, and what sits
// under a list costs once per item it may return. Spread into the Mercurius options:
// `app.register(mercurius, { ...graphqlLimits(config), ... })`.
import type {
  ASTVisitor, FieldNode, GraphQLCompositeType, GraphQLField, SelectionSetNode, ValidationContext, ValidationRule, ValueNode,
} from 'graphql'
import { graphql } from './graphql-runtime.ts'
import type { Config } from '../config.ts'

const { GraphQLError, getNamedType, getNullableType, isListType, isObjectType, isInterfaceType, Kind } = graphql

/** The services clamp any page to this many items (catalog MAX_PAGE_SIZE), whatever `first` says. */
const PAGE_CAP = 200
/** Items assumed for a list that takes no page size (a GPU's prices, a result's warnings). */
const UNPAGED_LIST_ITEMS = 10
const PAGE_ARGUMENTS = ['first', 'last', 'limit']

export interface GraphqlLimits {
  queryDepth: number
  validationRules: ValidationRule[]
}

export function graphqlLimits(config: Pick<Config, 'GRAPHQL_MAX_DEPTH' | 'GRAPHQL_MAX_ALIASES' | 'GRAPHQL_MAX_COST'>): GraphqlLimits {
  return {
    queryDepth: config.GRAPHQL_MAX_DEPTH,
    validationRules: [aliasLimit(config.GRAPHQL_MAX_ALIASES), costLimit(config.GRAPHQL_MAX_COST)],
  }
}

export function aliasLimit(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0
    return {
      Field(node) {
        if (node.alias && ++aliases === max + 1) {
          context.reportError(new GraphQLError(`The document uses more than ${max} aliases`, { nodes: [node], extensions: { code: 'QUERY_TOO_MANY_ALIASES' } }))
        }
      },
    }
  }
}

export function costLimit(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const schema = context.getSchema()
      const root = node.operation === 'query' ? schema.getQueryType() : node.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType()
      if (!root) return
      const cost = selectionCost(context, node.selectionSet, root, new Set())
      if (cost > max) {
        context.reportError(new GraphQLError(
          `The operation${node.name ? ` ${node.name.value}` : ''} may cost ${cost}, more than the limit of ${max}; ask for fewer items or fields`,
          { nodes: [node], extensions: { code: 'QUERY_TOO_COSTLY', cost, limit: max } },
        ))
      }
    },
  })
}

function selectionCost(context: ValidationContext, selectionSet: SelectionSetNode, parent: GraphQLCompositeType, fragments: Set<string>): number {
  let cost = 0
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      cost += fieldCost(context, selection, parent, fragments)
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? context.getSchema().getType(selection.typeCondition.name.value) : parent
      cost += selectionCost(context, selection.selectionSet, (type ?? parent) as GraphQLCompositeType, fragments)
    } else {
      const name = selection.name.value
      const fragment = context.getFragment(name)
      if (!fragment || fragments.has(name)) continue // unknown or cyclic: other rules report it
      const type = context.getSchema().getType(fragment.typeCondition.name.value) as GraphQLCompositeType | undefined
      cost += selectionCost(context, fragment.selectionSet, type ?? parent, new Set([...fragments, name]))
    }
  }
  return cost
}

function fieldCost(context: ValidationContext, node: FieldNode, parent: GraphQLCompositeType, fragments: Set<string>): number {
  const definition = isObjectType(parent) || isInterfaceType(parent)
    ? (parent.getFields()[node.name.value] as GraphQLField<unknown, unknown> | undefined)
    : undefined
  if (!definition || !node.selectionSet) return 1
  const child = getNamedType(definition.type) as GraphQLCompositeType
  return 1 + itemsOf(node, definition, parent) * selectionCost(context, node.selectionSet, child, fragments)
}

/** How many times a field's selection may be resolved per parent item. */
function itemsOf(node: FieldNode, definition: GraphQLField<unknown, unknown>, parent: GraphQLCompositeType): number {
  for (const name of PAGE_ARGUMENTS) {
    const argument = definition.args.find((arg) => arg.name === name)
    if (!argument) continue
    const given = node.arguments?.find((arg) => arg.name.value === name)?.value
    const size = given ? pageSize(given) : typeof argument.defaultValue === 'number' ? argument.defaultValue : PAGE_CAP
    return Math.max(1, Math.min(PAGE_CAP, size))
  }
  if (!isListType(getNullableType(definition.type))) return 1
  // A connection's edges were counted by the page size of the field that returned it.
  return parent.name.endsWith('Connection') ? 1 : UNPAGED_LIST_ITEMS
}

function pageSize(value: ValueNode): number {
  // A variable can carry any size; the services clamp it, so assume the clamp.
  return value.kind === Kind.INT ? Number(value.value) : PAGE_CAP
}
