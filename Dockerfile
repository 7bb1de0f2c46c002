# syntax=docker/dockerfile:1
# Same Node major as .nvmrc. The build stage compiles sqlite3 (a native module); the runtime stage
# receives only the installed production dependencies and the sources: no compiler, no dev packages.

FROM node:24-bookworm-slim AS dependencies
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json ./
COPY --chown=node:node src ./src
COPY --chown=node:node commands ./commands
# The embedded SQLite store lives here by default (STORE_URL=sqlite://data/dm.sqlite); mount a volume on it.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
# Exec form, no npm in between: SIGTERM reaches Node, which finishes running turns and exits 0. The flag keeps V8's
# young generation small (same as `npm start`; see the README's benchmark).
CMD ["node", "--max-semi-space-size=4", "src/index.ts"]
