# Gatehouse in a container: the runnable jar on a JRE, as a non-root user, nothing else.
#   docker build -t gatehouse .
#   docker run -p 8080:8080 -v $PWD/gatehouse.yaml:/etc/gatehouse/gatehouse.yaml gatehouse
# Offline (no registry for the base images): build the jar with ./mvnw -DskipTests -pl dist -am package and
# use the second stage alone with any Java 17+ runtime image your registry mirrors (see docs/deployment.md).

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
# dependencies first, so a change to the sources alone reuses the downloaded ones
COPY .mvn .mvn
COPY mvnw pom.xml ./
COPY core/pom.xml core/
COPY testkit/pom.xml testkit/
COPY redis/pom.xml redis/
COPY cache/pom.xml cache/
COPY server/pom.xml server/
COPY sample/pom.xml sample/
COPY dist/pom.xml dist/
COPY bench/pom.xml bench/
RUN ./mvnw -B -ntp -q -pl dist -am dependency:go-offline -DexcludeGroupIds=dev.gatehouse || true
COPY . .
RUN ./mvnw -B -ntp -q -DskipTests -pl dist -am package

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 gatehouse && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/gatehouse gatehouse \
    && mkdir -p /etc/gatehouse /var/lib/gatehouse && chown gatehouse:gatehouse /var/lib/gatehouse
COPY --from=build /src/dist/target/gatehouse.jar /opt/gatehouse/gatehouse.jar
USER 10001:10001
WORKDIR /var/lib/gatehouse
EXPOSE 8080 8081
# the admin listener's liveness, over loopback, with bash alone (the image has no curl)
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${GATEHOUSE_ADMIN_PORT:-8081} && printf 'GET /health/live HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
ENTRYPOINT ["java", "-jar", "/opt/gatehouse/gatehouse.jar"]
CMD ["serve", "--config", "/etc/gatehouse/gatehouse.yaml"]
