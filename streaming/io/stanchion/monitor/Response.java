package io.stanchion.monitor;

/** An HTTP response of the monitoring server. */
public record Response(int status, String contentType, String body) {
    static final String JSON = "application/json";
    static final String TEXT = "text/plain; charset=utf-8";
    static final String HTML = "text/html; charset=utf-8";

    static Response json(String body) {
        return new Response(200, JSON, body);
    }

    static Response notFound(String text) {
        return new Response(404, TEXT, text + "\n");
    }

    static Response badRequest(String text) {
        return new Response(400, TEXT, text + "\n");
    }
}
