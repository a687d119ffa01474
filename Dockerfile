# syntax=docker/dockerfile:1
# Two stages: `build` installs every dependency, generates the Prisma client and builds the console;
# `runtime` keeps production dependencies, the generated client, the sources (tsx runs the
# TypeScript as is) and the console's bundle.

FROM node:20-slim AS build
WORKDIR /app
# `prisma generate` downloads the schema engine when it can; offline, scripts/prisma-generate.mjs
# retries with PRISMA_SCHEMA_ENGINE_BINARY pointing at an existing file (generate only checks it
# exists). Pass --build-arg PRISMA_SCHEMA_ENGINE_BINARY=/path to force a specific binary; a build
# argument reaches RUN steps as an environment variable, and stays out of the runtime image.
ARG PRISMA_SCHEMA_ENGINE_BINARY
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts/prisma-generate.mjs scripts/
COPY prisma/schema.prisma prisma/
# `npm ci` runs `prepare`, which builds the console (web/ → web/dist) from the OpenAPI document.
COPY openapi/openapi.json openapi/
COPY web web
RUN npm ci
COPY . .
RUN npm prune --omit=dev

FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json /app/prisma.config.ts ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/src ./src
COPY --from=build --chown=node:node /app/prisma ./prisma
COPY --from=build --chown=node:node /app/scripts ./scripts
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
CMD ["node", "--import", "tsx", "src/server.ts"]
