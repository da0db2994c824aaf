# One image, one static binary: `wab serve`, `wab worker` or `wab migrate`.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/wab ./cmd/wab

# distroless/static: no shell, no package manager, a nonroot user; the binary
# is its own health check (`wab healthcheck` GETs /health/liveness on PORT, the
# API's). `wab worker` serves /metrics and /health/liveness on METRICS_PORT
# (9464) instead: run it with
# `wab healthcheck -url http://127.0.0.1:9464/health/liveness` as its check
# (docker-compose.yml and deploy/ecs do).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/wab /usr/local/bin/wab
USER nonroot:nonroot
EXPOSE 3000 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["/usr/local/bin/wab", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/wab"]
CMD ["serve"]
