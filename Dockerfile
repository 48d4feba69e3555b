# syntax=docker/dockerfile:1
# Every Lantern image, one per service named by the SERVICE build argument (admin, gateway,
# inference, model-fetcher, orchestrator); the all-in-one `lantern` image is image/Dockerfile
# (npm run image:build). Build from the repository root:
#   docker build --build-arg SERVICE=gateway -t lantern/gateway .
#   docker build --build-arg SERVICE=inference --target cuda -t lantern/inference:cuda .
# The inference worker has one image per compute pool: --target cpu (its default), vulkan or cuda.
# Each carries node-llama-cpp's prebuilt binaries for its backend only; nothing is compiled or
# downloaded when a container starts (the worker loads llama.cpp with build: "never").
ARG NODE_VERSION=22
ARG SERVICE
# The CUDA 12 runtime (cuBLAS included): node-llama-cpp loads its CUDA 12 build of llama.cpp from
# @node-llama-cpp/linux-x64-cuda-ext on it. Needs an NVIDIA driver of 525 or later on the host.
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-runtime-ubuntu22.04

# ---- build: install the workspace from the lockfile, bundle the service, deploy its production deps
FROM node:${NODE_VERSION}-bookworm-slim AS build
ARG PNPM_VERSION=10.34.8
ARG SERVICE
# Prebuilt llama.cpp binaries come as npm packages: never download or compile anything here.
ENV NODE_LLAMA_CPP_SKIP_DOWNLOAD=true CI=true npm_config_store_dir=/pnpm/store
RUN test -n "$SERVICE" || { echo "set --build-arg SERVICE=<admin|gateway|inference|model-fetcher|orchestrator>" >&2; exit 1; }
RUN npm install -g pnpm@${PNPM_VERSION}
WORKDIR /src
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
RUN --mount=type=cache,id=lantern-pnpm,target=/pnpm/store pnpm fetch
COPY . .
RUN --mount=type=cache,id=lantern-pnpm,target=/pnpm/store pnpm install --offline --frozen-lockfile
RUN pnpm --filter "@lantern/${SERVICE}" build
# The gateway serves the web UI, once the workspace has it; an empty dir otherwise, so its copy always works.
RUN if [ "$SERVICE" = gateway ] && [ -f web/package.json ]; then pnpm --filter @lantern/web build; fi && mkdir -p web/dist
RUN --mount=type=cache,id=lantern-pnpm,target=/pnpm/store \
    pnpm --filter "@lantern/${SERVICE}" deploy --prod --legacy --config.node-linker=hoisted /out

# ---- one tree per backend: the CPU binaries always (node-llama-cpp's own fall back), plus that backend's.
# Services that run no model (admin and the fetcher read GGUF headers) take the CPU tree.
FROM build AS app-cpu
RUN keep="linux-$(node -p process.arch)" && cd /out/node_modules/@node-llama-cpp && \
    for d in *; do [ "$d" = "$keep" ] || rm -rf "$d"; done

FROM build AS app-vulkan
RUN cd /out/node_modules/@node-llama-cpp && \
    for d in *; do case "$d" in linux-x64|linux-x64-vulkan) ;; *) rm -rf "$d" ;; esac; done

FROM build AS app-cuda
RUN cd /out/node_modules/@node-llama-cpp && \
    for d in *; do case "$d" in linux-x64|linux-x64-cuda|linux-x64-cuda-ext) ;; *) rm -rf "$d" ;; esac; done

# ---- runtime: the bundle and its node_modules, as the unprivileged `node` user under tini
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# What /state/version reports as the build, e.g. --build-arg LANTERN_BUILD=$(git rev-parse --short HEAD).
ARG LANTERN_BUILD=dev
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/* && \
    mkdir -p /app/models /data && chown node:node /app/models /data
WORKDIR /app
ENV NODE_ENV=production \
    LANTERN_DATA_DIR=/data \
    MODELS_DIR=/app/models \
    LANTERN_BUILD=${LANTERN_BUILD}
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--enable-source-maps", "dist/bin/main.js"]

# The admin API on :8001 (keys, model registry, usage); the only owner of Postgres.
# Bound to all interfaces in the container, so it refuses to start without ADMIN_TOKEN (given at run time).
FROM runtime AS admin
COPY --from=app-cpu /out ./
ENV ADMIN_HOST=0.0.0.0 \
    ADMIN_PORT=8001
USER node
EXPOSE 8001
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.ADMIN_PORT}/api/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# The gateway: OpenAI-compatible HTTP on :8002, and the web UI.
FROM runtime AS gateway
COPY --from=app-cpu /out ./
COPY --from=build /src/web/dist ./web/dist
ENV GATEWAY_HOST=0.0.0.0 \
    GATEWAY_PORT=8002 \
    GATEWAY_WEB_DIR=/app/web/dist
USER node
EXPOSE 8002
# Mentator's health check: /state/version answers while the process is up (with its version, build and the fleet's backends).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.GATEWAY_PORT}/state/version`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The flags of the local stack (scripts/local-stack.ts GATEWAY_NODE_FLAGS): idle collection. A gateway that mostly
# proxies can run with NODE_OPTIONS=--max-semi-space-size=64 (docs/performance.md, Footprint).
CMD ["node", "--expose-gc", "--enable-source-maps", "dist/bin/main.js"]

# The model fetcher: downloads GGUF files into the models dir. No API port; /healthz on METRICS_PORT.
# Also the stack's one-shot model init: `node dist/bin/models.js seed` (see compose/model-init.sh).
FROM runtime AS model-fetcher
COPY --from=app-cpu /out ./
# The bundled model, copied into an empty models dir on first start (the fallback model).
COPY --from=build /src/models/stories260K.gguf /src/models/README.md ./seed/
COPY --from=build /src/compose/model-init.sh ./model-init.sh
ENV FETCHER_SEED_MODEL=/app/seed/stories260K.gguf \
    METRICS_PORT=9464
USER node
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.METRICS_PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# The orchestrator: multi-model pipelines. No API port; /healthz and /metrics on METRICS_PORT.
FROM runtime AS orchestrator
COPY --from=app-cpu /out ./
# The repository's pipelines as the default; mount your own over /app/pipelines.
COPY --from=build /src/pipelines ./pipelines
ENV PIPELINES_DIR=/app/pipelines \
    METRICS_PORT=9464
USER node
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.METRICS_PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# ---- inference workers: no API port, they pull jobs from NATS; /healthz, /readyz, /state/version and /metrics on METRICS_PORT
FROM runtime AS runtime-inference
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 && rm -rf /var/lib/apt/lists/*
ENV METRICS_PORT=9464
EXPOSE 9464
# Healthy once ready: /readyz answers 503 until the worker's models are loaded (/state/version answers before).
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.METRICS_PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

FROM runtime-inference AS cpu
COPY --from=app-cpu /out ./
ENV INFERENCE_GPU=cpu
USER node

FROM runtime-inference AS vulkan
# The Vulkan loader and Mesa's drivers (AMD radv, Intel anv); the GPU comes in through /dev/dri.
RUN apt-get update && apt-get install -y --no-install-recommends libvulkan1 mesa-vulkan-drivers && rm -rf /var/lib/apt/lists/*
COPY --from=app-vulkan /out ./
ENV INFERENCE_GPU=vulkan
USER node

# For CUDA, NVIDIA's runtime image with Node copied in.
FROM node:${NODE_VERSION}-bookworm-slim AS node-binary

FROM ${CUDA_IMAGE} AS cuda
ARG LANTERN_BUILD=dev
RUN apt-get update && apt-get install -y --no-install-recommends tini libgomp1 ca-certificates && rm -rf /var/lib/apt/lists/* && \
    useradd --uid 1000 --user-group --create-home node && \
    mkdir -p /app/models /data && chown node:node /app/models /data
COPY --from=node-binary /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=app-cuda /out ./
ENV NODE_ENV=production \
    LANTERN_DATA_DIR=/data \
    MODELS_DIR=/app/models \
    METRICS_PORT=9464 \
    INFERENCE_GPU=cuda \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    LANTERN_BUILD=${LANTERN_BUILD}
USER node
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.METRICS_PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--enable-source-maps", "dist/bin/main.js"]

# A build without --target: the SERVICE's image (the CPU pool's for inference).
FROM cpu AS inference
FROM ${SERVICE} AS image
