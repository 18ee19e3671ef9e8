# syntax=docker/dockerfile:1
# Switchboard, native executable in a minimal image.
#
#   docker build -t switchboard:0.1.0 .
#   docker run --rm -p 8080:8080 -p 127.0.0.1:9000:9000 \
#     -e QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://db:5432/switchboard \
#     -e QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://db:5432/switchboard \
#     -e QUARKUS_DATASOURCE_USERNAME=switchboard_app -e QUARKUS_DATASOURCE_PASSWORD=… \
#     -e QUARKUS_FLYWAY_USERNAME=switchboard_owner -e QUARKUS_FLYWAY_PASSWORD=… \
#     -e SWITCHBOARD_AGENTS_ADMIN_PASSWORD='<12 or more characters, not a placeholder>' \
#     switchboard:0.1.0
#
# Stage 1 compiles the native executable with the official Mandrel builder image; the embedded
# development database is not part of it (the native profile leaves it out). Stage 2 runs it as a
# non-root user on the Quarkus micro base image.

FROM quay.io/quarkus/ubi9-quarkus-mandrel-builder-image:jdk-25 AS build
WORKDIR /code
USER root
RUN chown quarkus /code
USER quarkus
# Dependencies first, so this layer is cached until pom.xml changes; and the local Maven repository in a
# BuildKit cache mount, so that what go-offline cannot foresee (plugins' own dependencies, resolved when
# they run) is downloaded once, not on every source change.
COPY --chown=quarkus:quarkus mvnw pom.xml ./
COPY --chown=quarkus:quarkus .mvn .mvn
RUN --mount=type=cache,target=/home/quarkus/.m2,uid=1001,gid=0 ./mvnw -B -q dependency:go-offline -Dnative
COPY --chown=quarkus:quarkus src src
RUN --mount=type=cache,target=/home/quarkus/.m2,uid=1001,gid=0 ./mvnw -B package -Dnative -DskipTests

FROM quay.io/quarkus/ubi9-quarkus-micro-image:2.0
# OCI labels; the build passes what it knows: docker build --build-arg VERSION=0.1.0
#   --build-arg REVISION="$(git rev-parse HEAD)" --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="switchboard" \
      org.opencontainers.image.description="Real-time customer-service chat: one PostgreSQL store, every push transport" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="quay.io/quarkus/ubi9-quarkus-micro-image:2.0"
WORKDIR /work
RUN chown 1001 /work && chmod "g+rwX" /work && chown 1001:root /work
COPY --from=build --chown=1001:root --chmod=0755 /code/target/*-runner /work/application
EXPOSE 8080 9000
USER 1001
ENTRYPOINT ["./application", "-Dquarkus.http.host=0.0.0.0"]
