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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The monitoring HTTP server on Netty: one event-loop thread, which only parses requests and writes responses;
 * engine data comes back asynchronously from {@code Engine.call}. Routes: the original's {@code /streaming/*} JSON,
 * {@code /healthz}, {@code /metrics} (Prometheus) and the {@code /streaming} status page.
 */
public final class MonitorServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MonitorServer.class);

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

    /** Binds {@code host:port} (port 0 = any free port) and serves {@code routes}. */
    public static MonitorServer start(String host, int port, Routes routes) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                    new Handler(routes));
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

        Handler(Routes routes) {
            this.routes = routes;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (req.decoderResult().isFailure()) {
                write(ctx, Response.badRequest("malformed request"), false);
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
            result.orTimeout(10, TimeUnit.SECONDS).whenComplete((response, error) -> {
                Response r = error == null ? response : failure(path, error);
                ctx.executor().execute(() -> write(ctx, r == null ? Response.notFound("404 page not found") : r,
                        keepAlive, head));
            });
        }

        /** A failed request: a bad parameter found late is still a 400; a time-out or engine failure a 503. */
        private static Response failure(String path, Throwable error) {
            Throwable cause = error;
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof Query.BadParameter bad) {
                return Response.badRequest(bad.getMessage());
            }
            LOG.warn("monitoring request {} failed: {}", path, cause.toString());
            String reason = cause instanceof TimeoutException ? "timed out waiting for the engine"
                    : "internal error";
            return new Response(503, Response.TEXT, "server busy: " + reason + "\n");
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

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
