// API keys (admin): the auth service decides who may list, create and revoke them.
import type { IResolvers } from 'mercurius'
import type { CreateKeyInput } from '../services/auth.service.ts'

export const authResolvers: IResolvers = {
  Query: {
    apiKeys: (_root, _args, ctx) => ctx.app.auth.listKeys(ctx.service),
  },
  Mutation: {
    async createApiKey(_root, input: CreateKeyInput, ctx) {
      const { key, ...apiKey } = await ctx.app.auth.createKey({ name: input.name, role: input.role }, ctx.service)
      return { key, apiKey }
    },
    revokeApiKey: (_root, { id }: { id: string }, ctx) => ctx.app.auth.revokeKey(id, ctx.service),
  },
}
