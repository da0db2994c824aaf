# One image, one static binary: `wab serve`, `wab worker` or `wab migrate`.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/wab ./cmd/wab

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/wab /usr/local/bin/wab
USER nonroot:nonroot
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/wab"]
CMD ["serve"]
