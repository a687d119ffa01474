// `prisma dev` starts Prisma's local durable-streams server from the real @prisma/streams-local,
// which needs Node 22. This project runs on Node 20 and never uses `prisma dev` (PGlite is its
// embedded database), so the package is replaced by this one, which says so if anything calls it.
const unsupported = () => {
  throw new Error('`prisma dev` is not available here: @prisma/streams-local needs Node 22 and is replaced by a stand-in (see docs/operations.md, "Dependencies and engines")')
}

export const startLocalDurableStreamsServer = unsupported
