# syntax=docker/dockerfile:1
# Build: a static, CGO-free binary (the SQLite driver is pure Go).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/switchboard ./cmd/switchboard

# Run: distroless static, non-root; /data holds the SQLite file when used.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/switchboard /usr/local/bin/switchboard
WORKDIR /data
ENV SWITCHBOARD_ADDR=:8080 \
    SWITCHBOARD_DATABASE_URL=sqlite:///data/switchboard.db
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/switchboard"]
CMD ["serve"]
