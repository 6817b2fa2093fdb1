package io.stanchion.monitor;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The monitoring HTTP server on Netty: one event-loop thread, which only parses requests and writes responses;
 * engine data comes back asynchronously from {@code Engine.call}, and the response is written from the future's
 * completion (the event loop never waits on it). Routes: the original's {@code /streaming/*} JSON,
 * {@code /healthz}, {@code /metrics} (Prometheus) and the {@code /streaming} status page.
 *
 * <p>Hardening ({@link Limits}): a request whose Host header the {@link HostCheck} refuses gets 403; an answer not
 * ready within the response time-out, or refused by a busy or stopped engine, is a 503; a connection idle for the
 * idle time-out is closed; connections beyond the cap are closed at once.
 *
 * <p>Threading: {@link #start} and {@link #close} from any thread; handlers run on the event loop.
 */
public final class MonitorServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MonitorServer.class);

    /** The monitoring server's limits. */
    record Limits(Duration idleTimeout, int maxConnections, Duration responseTimeout) {
        /** Production values: idle keep-alive connections closed after 60 s, 256 connections, 5 s answers. */
        static final Limits DEFAULT = new Limits(Duration.ofSeconds(60), 256, Duration.ofSeconds(5));
    }

    /** Answers one request; null means 404. */
    public interface Routes {
        CompletableFuture<Response> route(String path, Map<String, List<String>> query);
    }

    private final EventLoopGroup group;
    private final Channel channel;

    private MonitorServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** Binds {@code host:port} (port 0 = any free port) and serves {@code routes} within {@code limits}. */
    static MonitorServer start(String host, int port, Routes routes, Limits limits, HostCheck hosts)
            throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        AtomicInteger open = new AtomicInteger();
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            if (open.incrementAndGet() > limits.maxConnections()) {
                                open.decrementAndGet();
                                LOG.debug("monitoring connection from {} closed: {} connections already open",
                                        c.remoteAddress(), limits.maxConnections());
                                c.close();
                                return;
                            }
                            c.closeFuture().addListener(f -> open.decrementAndGet());
                            c.pipeline().addLast(
                                    new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS),
                                    new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                    new Handler(routes, hosts, limits.responseTimeout()));
                        }
                    })
                    .bind(host, port).sync().channel();
            LOG.info("Monitoring server listening on http://{}:{}", host,
                    ((InetSocketAddress) ch.localAddress()).getPort());
            return new MonitorServer(group, ch);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Routes routes;
        private final HostCheck hosts;
        private final Duration responseTimeout;

        Handler(Routes routes, HostCheck hosts, Duration responseTimeout) {
            this.routes = routes;
            this.hosts = hosts;
            this.responseTimeout = responseTimeout;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (req.decoderResult().isFailure()) {
                write(ctx, Response.badRequest("malformed request"), false);
                return;
            }
            String host = req.headers().get(HttpHeaderNames.HOST);
            if (!hosts.allows(host)) {
                LOG.debug("monitoring request from {} refused: Host {} not allowed", ctx.channel().remoteAddress(),
                        host);
                write(ctx, new Response(403, Response.TEXT, "Host not allowed\n"), false);
                return;
            }
            if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
                write(ctx, new Response(405, Response.TEXT, "method not allowed\n"), keepAlive);
                return;
            }
            boolean head = req.method().equals(HttpMethod.HEAD);
            String path;
            Map<String, List<String>> params;
            try {
                QueryStringDecoder qs = new QueryStringDecoder(req.uri());
                path = qs.path();
                params = qs.parameters();
            } catch (IllegalArgumentException e) { // e.g. a bad %-escape
                write(ctx, Response.badRequest("malformed request URI: " + e.getMessage()), keepAlive, head);
                return;
            }
            CompletableFuture<Response> result;
            try {
                result = routes.route(path, params);
            } catch (RuntimeException e) {
                result = CompletableFuture.failedFuture(e);
            }
            if (result == null) {
                write(ctx, Response.notFound("404 page not found"), keepAlive, head);
                return;
            }
            result.orTimeout(responseTimeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((response, error) -> {
                Response r = error == null ? response : failure(path, error);
                ctx.executor().execute(() -> write(ctx, r == null ? Response.notFound("404 page not found") : r,
                        keepAlive, head));
            });
        }

        /**
         * A failed request: a bad parameter found late is still a 400; a time-out is a 503 {@code server busy}; an
         * engine that refused the query (queue full: RejectedExecutionException; stopped: IllegalStateException) a
         * 503 with its reason; anything else a 503 too.
         */
        static Response failure(String path, Throwable error) {
            Throwable cause = error;
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof Query.BadParameter bad) {
                return Response.badRequest(bad.getMessage());
            }
            if (cause instanceof TimeoutException) {
                LOG.debug("monitoring request {} timed out", path);
                return new Response(503, Response.TEXT, "server busy\n");
            }
            if (cause instanceof RejectedExecutionException || cause instanceof IllegalStateException) {
                LOG.debug("monitoring request {} refused: {}", path, cause.toString());
                String why = cause.getMessage() == null ? "server busy" : cause.getMessage();
                return new Response(503, Response.TEXT, why + "\n");
            }
            LOG.warn("monitoring request {} failed: {}", path, cause.toString());
            return new Response(503, Response.TEXT, "server busy: internal error\n");
        }

        private static void write(ChannelHandlerContext ctx, Response r, boolean keepAlive) {
            write(ctx, r, keepAlive, false);
        }

        private static void write(ChannelHandlerContext ctx, Response r, boolean keepAlive, boolean head) {
            byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(r.status()),
                    head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
            resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
            resp.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
            resp.headers().set("X-Content-Type-Options", "nosniff");
            if (keepAlive) {
                HttpUtil.setKeepAlive(resp, true);
                ctx.writeAndFlush(resp);
            } else {
                ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
            }
        }

        /** The idle time-out: a keep-alive connection without traffic for that long is closed. */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
