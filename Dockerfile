# The relay as a small container: build the bundle, then run only the bundled CLI (no node_modules)
# as the unprivileged `node` user.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json turbo.json tsconfig.base.json tsup.shared.ts ./
COPY packages ./packages
COPY e2e/package.json ./e2e/package.json
RUN npm ci --no-audit --no-fund --ignore-scripts && TURBO_TELEMETRY_DISABLED=1 npx turbo run build --filter=@converge/relay...

FROM node:20-alpine
WORKDIR /app
COPY --from=build /src/packages/relay/dist/cli.js /app/converge-relay.js
USER node
EXPOSE 8000
ENV NODE_ENV=production
HEALTHCHECK --interval=30s --timeout=3s CMD wget -qO- http://127.0.0.1:8000/healthz || exit 1
ENTRYPOINT ["node", "/app/converge-relay.js"]
CMD ["--host", "0.0.0.0", "--port", "8000"]
