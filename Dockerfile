# syntax=docker/dockerfile:1
# Same Node major as .nvmrc. Nothing native is compiled (SQLite is Node's own node:sqlite); the runtime stage
# receives only the installed production dependencies and the sources: no dev packages.

FROM node:24-bookworm-slim AS dependencies
WORKDIR /app
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
