# syntax=docker/dockerfile:1
# Two stages: `build` installs every dependency, generates the Prisma client, compiles the
# service to dist/ and builds the console to web/dist (npm ci runs postinstall, then prepare = npm
# run build); `runtime` keeps the production dependencies, dist/, web/dist/ and prisma/ (migrations
# and seed data, read at run time) and runs plain JavaScript: no TypeScript, no tsx, no sources.

FROM node:20-slim AS build
WORKDIR /app
# `prisma generate` downloads the schema engine when it can; offline, scripts/prisma-generate.mjs
# retries with PRISMA_SCHEMA_ENGINE_BINARY pointing at an existing file (generate only checks it
# exists). Pass --build-arg PRISMA_SCHEMA_ENGINE_BINARY=/path to force a specific binary; a build
# argument reaches RUN steps as an environment variable, and stays out of the runtime image.
ARG PRISMA_SCHEMA_ENGINE_BINARY
# The sources come before `npm ci`: its prepare step compiles them. The npm cache mount keeps
# downloaded packages between builds, so a source change costs the install, not the downloads.
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci
RUN npm prune --omit=dev

FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json /app/prisma.config.ts ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
# vendor/ holds the stand-in for @prisma/streams-local that node_modules links to (docs/operations.md).
COPY --from=build --chown=node:node /app/vendor ./vendor
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/prisma ./prisma
COPY --from=build --chown=node:node /app/web/dist ./web/dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
# The embedded database (used when DATABASE_URL is unset) lives here.
VOLUME ["/app/data"]
EXPOSE 3000
# Ready = database reachable and every migration applied (slim images have no curl).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 and receives SIGTERM directly, so the graceful shutdown runs (npm would not forward it).
# Operator commands run the same way: node dist/ops/db-migrate.js, dist/ops/db-seed.js,
# dist/ops/keys-create.js --role admin.
CMD ["node", "dist/server.js"]
