# sluice worker image: built from this repository, Debian bookworm both stages.
#   docker build -t sluice .
# The build stage uses the same script as a developer machine, so the image and the CI
# build cannot disagree about dependencies.
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN ./scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF -DSLUICE_BUILD_BENCH=OFF \
          -DCMAKE_INSTALL_PREFIX=/opt/sluice \
 && cmake --build /build -j"$(nproc)" \
 && cmake --install /build --strip

FROM debian:bookworm-slim
RUN apt-get update -q && apt-get install -y -q --no-install-recommends \
      ca-certificates librdkafka1 libyaml-cpp0.7 libboost-filesystem1.74.0 libprometheus-cpp-core1.0 \
      libcurl4 libssl3 zlib1g libsimdjson14 libpq5 libmariadb3 curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 sluice \
 && useradd --system --uid 10001 --gid 10001 --home /var/lib/sluice --create-home sluice
COPY --from=build /opt/sluice /opt/sluice
COPY configs/pipelines /etc/sluice/pipelines
COPY configs/docker/worker.yaml /etc/sluice/worker.yaml
COPY configs/docker/cluster-worker.yaml /etc/sluice/cluster-worker.yaml
ENV PATH=/opt/sluice/bin:$PATH SLUICE_PLUGIN_PATH=/opt/sluice/lib/sluice/plugins
# Numeric, so that Kubernetes' runAsNonRoot can check it (configs/kubernetes).
USER 10001:10001
WORKDIR /var/lib/sluice
EXPOSE 8083
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8083/health || exit 1
ENTRYPOINT ["sluice"]
CMD ["run", "--worker", "/etc/sluice/worker.yaml"]
