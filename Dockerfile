# Stanchion: NATS Streaming (STAN) server on Chronicle Queue.
#   docker build -t stanchion .
#   docker run --rm -v stanchion-data:/data stanchion -ns nats://<nats-host>:4222
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
# Main class disables Chronicle's analytics itself, so a plain `java -jar` is enough. Extra JVM options
# can be given through JAVA_TOOL_OPTIONS.
RUN groupadd --system --gid 10001 stanchion \
 && useradd --system --uid 10001 --gid stanchion --home-dir /app --shell /usr/sbin/nologin stanchion \
 && mkdir -p /app /data \
 && chown stanchion:stanchion /data
COPY --from=build /build/stanchion.jar /app/stanchion.jar
USER stanchion
WORKDIR /app
VOLUME /data
# Monitoring port when started with -m 8222 -mh 0.0.0.0: status page /streaming, JSON endpoints, /metrics.
EXPOSE 8222
ENTRYPOINT ["java","-jar","/app/stanchion.jar"]
CMD ["-st","FILE","--dir","/data","-ns","nats://nats:4222"]
