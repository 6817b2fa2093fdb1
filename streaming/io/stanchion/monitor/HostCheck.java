package io.stanchion.monitor;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which Host headers the monitoring server answers, against DNS rebinding (a web page whose name the attacker
 * re-points to 127.0.0.1 reads the loopback-only monitoring port: its requests then carry the attacker's host name).
 * Accepted, with or without a port: the bound address; on a loopback address also {@code localhost},
 * {@code 127.0.0.1} and {@code [::1]}; on a wildcard address (0.0.0.0, ::) also {@code localhost} and any IP
 * address literal (a rebinding attack needs a name); and the configured extra hosts. {@code *} among them turns the
 * check off. A request without a Host header (HTTP/1.0) is accepted. Immutable; any thread.
 */
final class HostCheck {
    private final Set<String> allowed = new HashSet<>();
    private final boolean any;
    private final boolean ipLiterals;

    private HostCheck(boolean any, boolean ipLiterals) {
        this.any = any;
        this.ipLiterals = ipLiterals;
    }

    /** The check for a server bound to {@code bindHost}, accepting {@code extraHosts} too. */
    static HostCheck forBinding(String bindHost, List<String> extraHosts) {
        InetAddress bound = resolve(bindHost);
        boolean wildcard = bound != null && bound.isAnyLocalAddress();
        HostCheck c = new HostCheck(extraHosts.contains("*"), wildcard);
        c.allowed.add(normalize(bindHost));
        if (bound != null) {
            c.allowed.add(normalize(bound.getHostAddress()));
        }
        if (bound != null && (bound.isLoopbackAddress() || wildcard)) {
            c.allowed.add("localhost");
            c.allowed.add("127.0.0.1");
            c.allowed.add("[::1]");
        }
        for (String h : extraHosts) {
            c.allowed.add(normalize(h));
        }
        return c;
    }

    private static InetAddress resolve(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Whether a request with this Host header value (null: none) is answered. */
    boolean allows(String hostHeader) {
        if (any || hostHeader == null) {
            return true;
        }
        String host = normalize(stripPort(hostHeader.trim()));
        return allowed.contains(host) || (ipLiterals && isIpLiteral(host));
    }

    /** Lower case; an IPv6 address in brackets, as it appears in a Host header. */
    private static String normalize(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.indexOf(':') >= 0 && !h.startsWith("[")) {
            return "[" + h + "]";
        }
        return h;
    }

    private static String stripPort(String hostPort) {
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            return close < 0 ? hostPort : hostPort.substring(0, close + 1);
        }
        int colon = hostPort.indexOf(':');
        return colon < 0 ? hostPort : hostPort.substring(0, colon);
    }

    /** {@code a.b.c.d} with four decimal parts up to 255, or a bracketed IPv6 address. */
    static boolean isIpLiteral(String host) {
        if (host.startsWith("[") && host.endsWith("]")) {
            for (int i = 1; i < host.length() - 1; i++) {
                char c = host.charAt(i);
                if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                    return false;
                }
            }
            return host.length() > 2;
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3) {
                return false;
            }
            for (int i = 0; i < p.length(); i++) {
                if (p.charAt(i) < '0' || p.charAt(i) > '9') {
                    return false;
                }
            }
            if (Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }
}
