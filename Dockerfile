# syntax=docker/dockerfile:1
# Build a static cosiebot binary with the shipped flows and locales built in.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/cosiebot ./cmd/cosiebot \
 && mkdir -p /out/flows /out/locales

# A scratch image: the binary, CA certificates for api.telegram.org, and
# nothing else. Time zones are compiled into the binary.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/cosiebot /cosiebot
# Mount your own flows (or locales) here and set COSIE_FLOWS_DIR=/flows
# (COSIE_LOCALES_DIR=/locales) to replace the built-in ones.
COPY --from=build --chown=65532:65532 /out/flows /flows
COPY --from=build --chown=65532:65532 /out/locales /locales
USER 65532:65532
ENV COSIE_HTTP_ADDR=:8080
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD ["/cosiebot", "health"]
ENTRYPOINT ["/cosiebot"]
CMD ["serve"]
