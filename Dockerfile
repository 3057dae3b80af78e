# syntax=docker/dockerfile:1
# Production image: dependencies installed in a build stage, then only what runs is copied into a slim image,
# run as the unprivileged `node` user. TypeScript runs through tsx (a runtime dependency): no build step.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000 METRICS_PORT=9464
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
USER node
EXPOSE 3000
# On METRICS_PORT, which every role serves (the app also answers /healthz on PORT; a lone worker does not listen there).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.METRICS_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node directly (not npm): it gets SIGTERM and shuts down cleanly.
CMD ["node", "--import", "tsx", "src/main.ts"]
