# syntax=docker/dockerfile:1
# Production image: the TypeScript is compiled in a build stage; the runtime stage holds only the compiled
# JavaScript and production dependencies (no compiler, no loader), and runs as the unprivileged `node` user.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
# Inside the container the ops listener binds every interface, so a scraper on the Compose network reaches it;
# the port is never published (docker-compose.yml), and npm start outside Docker keeps it on 127.0.0.1.
ENV NODE_ENV=production PORT=3000 METRICS_PORT=9464 METRICS_HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The simulator's example seed, for the Compose `sim` profile.
COPY src/cas-sim/example-seed.json ./dist/cas-sim/example-seed.json
USER node
EXPOSE 3000
# On METRICS_PORT, which every role serves (the app also answers /healthz on PORT; a lone worker does not listen there).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.METRICS_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node directly (not npm): it gets SIGTERM and shuts down cleanly.
# A 4 MB young generation keeps an idle process under 120 MB; the old generation may grow 20 % past what is live
# (V8's default grows it up to 4x between collections), so RSS stays flat through a burst of renewals (npm run bench).
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=20", "dist/main.js"]
