# Stanchion: NATS Streaming (STAN) server on Chronicle Queue.
#   docker build -t stanchion .
#   docker run --rm -v stanchion-data:/data stanchion -ns nats://<nats-host>:4222
#   docker run --rm -e JAVA_OPTS=-Xmx1g -v stanchion-data:/data stanchion -ns nats://<nats-host>:4222
# It needs a core NATS server to connect to; docker-compose.yml starts one beside it.

# ---- build stage ---------------------------------------------------------------------------------
FROM maven:3-eclipse-temurin-17 AS build
WORKDIR /build
COPY . .
# maven.test.skip: the image needs only the runnable jar, not the compiled tests.
RUN mvn -B -q package -Dmaven.test.skip=true \
 && cp target/stanchion.jar /build/stanchion.jar

# ---- runtime stage -------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre
# The jar's manifest carries the --add-opens/--add-exports Chronicle Queue needs on Java 17, and the
# Main class disables Chronicle's analytics itself. The JVM starts with the repository's default options
# (config/jvm.options, the file bin/run uses: a bounded heap), then JAVA_OPTS, which override them
# (`docker run -e JAVA_OPTS=-Xmx1g ...`). JAVA_TOOL_OPTIONS is read before the command line, so it cannot
# override the file's options (it can add others).
RUN groupadd --system --gid 10001 stanchion \
 && useradd --system --uid 10001 --gid stanchion --home-dir /app --shell /usr/sbin/nologin stanchion \
 && mkdir -p /app /data \
 && chown stanchion:stanchion /data
COPY --from=build /build/stanchion.jar /app/stanchion.jar
COPY config/jvm.options /app/jvm.options
ENV JAVA_OPTS=""
USER stanchion
WORKDIR /app
VOLUME /data
# Monitoring port when started with -m 8222 -mh 0.0.0.0: status page /streaming, JSON endpoints, /metrics.
EXPOSE 8222
# exec: java replaces the shell (PID 1, gets the stop signal); set -f: no globbing of JAVA_OPTS' words;
# the container's arguments (CMD or `docker run ... <flags>`) arrive as "$@".
ENTRYPOINT ["/bin/sh","-c","set -f; exec java @/app/jvm.options $JAVA_OPTS -jar /app/stanchion.jar \"$@\"","stanchion"]
CMD ["-st","FILE","--dir","/data","-ns","nats://nats:4222"]
