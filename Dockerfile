# syntax=docker/dockerfile:1
# Multi-stage build: cargo-chef caches the dependency build in its own layer, so a code
# change rebuilds only clientgraph itself. The runtime image is Debian slim with the
# binary alone, running as a non-root user.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.73
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --bin clientgraph

FROM debian:bookworm-slim AS runtime
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/clientgraph clientgraph
COPY --from=builder /app/target/release/clientgraph /usr/local/bin/clientgraph
USER clientgraph
WORKDIR /var/lib/clientgraph
# Every setting is an environment variable (see README); these are the container defaults.
# Production mode refuses to start without both of these, so pass them:
#   CLIENTGRAPH_JWT_SECRET       at least 32 bytes (openssl rand -hex 32)
#   CLIENTGRAPH_ENCRYPTION_KEYS  id:base64-32-bytes[,id:key…] (k1:$(openssl rand -base64 32))
# CI starts the binary with this ENV block plus those two (.ci/production-env).
ENV CLIENTGRAPH_ENV=production \
    CLIENTGRAPH_LISTEN=0.0.0.0:8080 \
    CLIENTGRAPH_LOG_FORMAT=json \
    DATABASE_URL=sqlite:///var/lib/clientgraph/clientgraph.db?mode=rwc \
    CLIENTGRAPH_STORAGE_PATH=/var/lib/clientgraph/files
EXPOSE 8080
VOLUME ["/var/lib/clientgraph"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["clientgraph", "healthcheck", "--url", "http://127.0.0.1:8080/health"]
ENTRYPOINT ["clientgraph"]
CMD ["serve"]
