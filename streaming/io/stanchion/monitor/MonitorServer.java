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
import java.util.concurrent.TimeUnit;

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
            if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
                write(ctx, new Response(405, Response.TEXT, "method not allowed\n"), keepAlive);
                return;
            }
            QueryStringDecoder qs = new QueryStringDecoder(req.uri());
            CompletableFuture<Response> result;
            try {
                result = routes.route(qs.path(), qs.parameters());
            } catch (RuntimeException e) {
                result = CompletableFuture.failedFuture(e);
            }
            if (result == null) {
                write(ctx, Response.notFound("404 page not found"), keepAlive);
                return;
            }
            result.orTimeout(10, TimeUnit.SECONDS).whenComplete((response, error) -> {
                if (error != null) {
                    LOG.warn("monitoring request {} failed: {}", qs.path(), error.toString());
                    response = new Response(503, Response.TEXT, "server busy: " + error.getMessage() + "\n");
                }
                Response r = response;
                ctx.executor().execute(() -> write(ctx, r, keepAlive));
            });
        }

        private static void write(ChannelHandlerContext ctx, Response r, boolean keepAlive) {
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(r.status()),
                    Unpooled.wrappedBuffer(r.body().getBytes(StandardCharsets.UTF_8)));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
            resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
            resp.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
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
