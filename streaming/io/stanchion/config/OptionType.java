package io.stanchion.config;

import io.stanchion.config.ConfParser.BoolNode;
import io.stanchion.config.ConfParser.Entry;
import io.stanchion.config.ConfParser.IntNode;
import io.stanchion.config.ConfParser.ListNode;
import io.stanchion.config.ConfParser.MapNode;
import io.stanchion.config.ConfParser.Node;
import io.stanchion.config.ConfParser.StringNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The type of an option's value (see {@link OptionRegistry}): how it is parsed from a command-line flag or a
 * declared default, and how it is read from a configuration-file entry, with the checks every option of the type
 * shares. Errors are IllegalArgumentExceptions with the bare reason: {@link Flags} prefixes a flag's with
 * {@code invalid value "<v>" for flag -<name>: }, {@link ConfigFile} a file's (which name the parameter) with
 * {@code config file <f> line <n>: }.
 *
 * <p>A file entry is checked at least as strictly as a flag: where a flag's value is left to
 * {@link ServerConfig.Builder#build()} (an empty URL list, a batch size of 0, a port above 65535), the file reports
 * it with the line.
 *
 * @param usage the value's name in the usage text ({@code <usage>})
 */
record OptionType<T>(String usage, Function<String, T> parser, Function<Entry, T> reader) {

    /** Parses a flag's value or a default. */
    T parse(String text) {
        return parser.apply(text);
    }

    /** Reads a configuration-file entry's value. */
    T read(Entry e) {
        return reader.apply(e);
    }

    /** A monitoring address from NATS's {@code http: "host:port"} or {@code http: port}; host null when absent. */
    record HostPort(String host, int port) {
    }

    static final OptionType<String> STRING = new OptionType<>("string", s -> s, OptionType::string);

    static final OptionType<Path> PATH = new OptionType<>("string", s -> {
        if (s.isBlank()) {
            throw new IllegalArgumentException("empty path");
        }
        return Path.of(s);
    }, e -> Path.of(nonEmpty(e, string(e))));

    static final OptionType<ServerConfig.StoreType> STORE_TYPE = new OptionType<>("string", OptionType::storeType,
            e -> {
                String v = string(e);
                try {
                    return storeType(v);
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException("parameter \"" + e.key() + "\": " + ex.getMessage());
                }
            });

    /** A comma-separated list of URLs; an empty flag is left to build(), which names -ns. */
    static final OptionType<List<String>> URLS = new OptionType<>("string", OptionType::commaList, e -> {
        List<String> urls = commaList(string(e));
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("parameter \"" + e.key() + "\" is empty");
        }
        return urls;
    });

    static final OptionType<Boolean> BOOL = new OptionType<>("bool", OptionType::bool, e -> {
        if (e.value() instanceof BoolNode v) {
            return v.value();
        }
        throw expected(e, "a boolean");
    });

    /** A non-negative int. */
    static final OptionType<Integer> COUNT = new OptionType<>("int", OptionType::nonNegativeInt, OptionType::count);

    /** A count of at least 1; a flag's 0 is left to build(), which names the flag. */
    static final OptionType<Integer> POSITIVE_COUNT = new OptionType<>("int", OptionType::nonNegativeInt, e -> {
        int v = count(e);
        if (v < 1) {
            throw new IllegalArgumentException("parameter \"" + e.key() + "\" must be at least 1");
        }
        return v;
    });

    /** A non-negative long. */
    static final OptionType<Long> LONG_COUNT = new OptionType<>("int", s -> nonNegative(longInteger(s)), e -> {
        long v = integer(e);
        if (v < 0) {
            throw negative(e, Long.toString(v));
        }
        return v;
    });

    /** Any integer (only checked: the options of this type are ignored). */
    static final OptionType<Long> INTEGER = new OptionType<>("int", OptionType::longInteger, OptionType::integer);

    /** A non-negative size: 1024, 10MB, 1GB (a file may write it as a number or a string). */
    static final OptionType<Long> SIZE = new OptionType<>("size", s -> nonNegative(Durations.parseSize(s)), e -> {
        long v;
        if (e.value() instanceof IntNode i) {
            v = i.value();
        } else if (e.value() instanceof StringNode s) {
            try {
                v = Durations.parseSize(s.value());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("parameter \"" + e.key() + "\" value " + quote(s.value())
                        + " is not a size (like 1024, 10MB, 1GB)");
            }
        } else {
            throw expected(e, "a size");
        }
        if (v < 0) {
            throw negative(e, Long.toString(v));
        }
        return v;
    });

    /** A Go duration; whether it may be 0 or negative is build()'s business. */
    static final OptionType<Duration> DURATION = new OptionType<>("duration", Durations::parse,
            OptionType::duration);

    static final OptionType<Duration> NON_NEGATIVE_DURATION = new OptionType<>("duration",
            s -> nonNegative(Durations.parse(s)), e -> {
                Duration d = duration(e);
                if (d.isNegative()) {
                    throw negative(e, Durations.format(d));
                }
                return d;
            });

    /** A TCP port; a flag's range is left to build(). */
    static final OptionType<Integer> PORT = new OptionType<>("int", OptionType::nonNegativeInt,
            e -> port(e, integer(e)));

    /** NATS's {@code http}: a port, or {@code "host:port"} (an IPv6 host in brackets). */
    static final OptionType<HostPort> HOST_PORT = new OptionType<>("string",
            s -> new HostPort(host(s), nonNegativeInt(portText(s))), e -> {
                Node v = e.value();
                if (v instanceof IntNode i) {
                    return new HostPort(null, port(e, i.value()));
                }
                if (!(v instanceof StringNode s)) {
                    throw new IllegalArgumentException("parameter \"" + e.key() + "\" value is expected to be "
                            + "host:port or a port, got " + v.kind());
                }
                long p;
                try {
                    p = Long.parseLong(portText(s.value()));
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("parameter \"" + e.key() + "\" value " + quote(s.value())
                            + " is expected to be host:port or a port");
                }
                return new HostPort(host(s.value()), port(e, p));
            });

    /** Host names, comma-separated; a file may also give a list of strings. */
    static final OptionType<String> HOSTS = new OptionType<>("string", s -> s, e -> {
        if (e.value() instanceof ListNode l) {
            List<String> all = new ArrayList<>();
            for (Node n : l.items()) {
                if (!(n instanceof StringNode s)) {
                    throw expected(e, "a string or a list of strings");
                }
                all.add(s.value());
            }
            return String.join(",", all);
        }
        return string(e);
    });

    /**
     * The nodes of a Raft group, each {@code <node_id>@<host>:<port>} (the address of its Raft transport; an IPv6
     * host in brackets): comma-separated, or in a file a list of strings. A bare node ID (the original's form,
     * whose peers are reached through NATS) is refused; so are a node ID or an address listed twice.
     */
    static final OptionType<List<ClusterConfig.Peer>> PEERS = new OptionType<>("id@host:port,...",
            s -> peers(commaList(s)), e -> {
                List<String> entries = new ArrayList<>();
                if (e.value() instanceof ListNode l) {
                    for (Node n : l.items()) {
                        if (!(n instanceof StringNode s)) {
                            throw expected(e, "a string or a list of strings");
                        }
                        entries.add(s.value().trim());
                    }
                } else if (e.value() instanceof StringNode s) {
                    entries.addAll(commaList(s.value()));
                } else {
                    throw expected(e, "a string or a list of strings");
                }
                try {
                    return peers(entries);
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException("parameter \"" + e.key() + "\": " + ex.getMessage());
                }
            });

    /** Anything, unchecked: options that are refused whatever their value. */
    static final OptionType<Object> ANY = new OptionType<>("string", s -> s, Entry::value);

    // ---- parsing text (flags, defaults)

    static ServerConfig.StoreType storeType(String v) {
        try {
            return ServerConfig.StoreType.valueOf(v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unsupported store type \"" + v + "\" (MEMORY or FILE)");
        }
    }

    /** Go's strconv.ParseBool, plus yes/no/on/off. */
    static boolean bool(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "t", "yes", "on" -> true;
            case "false", "0", "f", "no", "off" -> false;
            default -> throw new IllegalArgumentException("not a boolean");
        };
    }

    private static int nonNegativeInt(String v) {
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an integer");
        }
        return (int) nonNegative(n);
    }

    private static long longInteger(String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an integer");
        }
    }

    private static long nonNegative(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("can't be negative");
        }
        return v;
    }

    private static Duration nonNegative(Duration v) {
        if (v.isNegative()) {
            throw new IllegalArgumentException("can't be negative");
        }
        return v;
    }

    private static List<String> commaList(String v) {
        return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static final String PEER_FORM = "<node_id>@<host>:<port>";

    static List<ClusterConfig.Peer> peers(List<String> entries) {
        List<ClusterConfig.Peer> peers = new ArrayList<>();
        for (String entry : entries) {
            ClusterConfig.Peer p = peer(entry);
            for (ClusterConfig.Peer q : peers) {
                if (q.id().equals(p.id())) {
                    throw new IllegalArgumentException("cluster peer " + quote(p.id()) + " is listed twice");
                }
                if (q.address().equalsIgnoreCase(p.address())) {
                    throw new IllegalArgumentException("cluster peers " + quote(q.id()) + " and " + quote(p.id())
                            + " have the same address " + p.address());
                }
            }
            peers.add(p);
        }
        return peers;
    }

    /** {@code <node_id>@<host>:<port>}; an IPv6 host keeps its brackets, so that the peer's address() is valid. */
    static ClusterConfig.Peer peer(String entry) {
        int at = entry.indexOf('@');
        if (at < 0) {
            throw new IllegalArgumentException("cluster peer " + quote(entry) + " needs its Raft address: "
                    + PEER_FORM);
        }
        String id = entry.substring(0, at);
        String hostPort = entry.substring(at + 1);
        if (!ClusterConfig.isValidNodeId(id)) {
            throw new IllegalArgumentException("cluster peer " + quote(entry) + ": invalid node ID " + quote(id)
                    + " (" + ClusterConfig.NODE_ID_RULE + ")");
        }
        int colon = hostPort.lastIndexOf(':');
        String host = colon < 0 ? "" : hostPort.substring(0, colon);
        boolean ipv6 = host.startsWith("[") && host.endsWith("]") && host.length() > 2;
        if (host.isEmpty() || (!ipv6 && host.contains(":")) || !host.matches("[^\\s@,/]+")) {
            throw new IllegalArgumentException("cluster peer " + quote(entry) + " is not " + PEER_FORM
                    + (!ipv6 && host.contains(":") ? " (an IPv6 host goes in brackets: [::1])" : ""));
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException ex) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("cluster peer " + quote(entry) + ": the port must be 1-65535");
        }
        return new ClusterConfig.Peer(id, host, port);
    }

    /** The port part of "host:port" or "port". */
    private static String portText(String hostPort) {
        String hp = hostPort.trim();
        return hp.substring(hp.lastIndexOf(':') + 1);
    }

    /** The host part of "host:port" without IPv6 brackets; null for "port" or ":port". */
    private static String host(String hostPort) {
        String hp = hostPort.trim();
        int colon = hp.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        String host = hp.substring(0, colon);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    // ---- reading file entries (also used by ConfigFile for the NATS server's keys)

    static String string(Entry e) {
        if (e.value() instanceof StringNode s) {
            return s.value();
        }
        throw expected(e, "a string");
    }

    static long integer(Entry e) {
        if (e.value() instanceof IntNode v) {
            return v.value();
        }
        throw expected(e, "an integer");
    }

    static MapNode map(Entry e) {
        if (e.value() instanceof MapNode m) {
            return m;
        }
        throw expected(e, "a map");
    }

    static int port(Entry e, long v) {
        if (v < 0 || v > 65535) {
            throw new IllegalArgumentException("parameter \"" + e.key() + "\" value " + v + " is not a port (0-65535)");
        }
        return (int) v;
    }

    private static String nonEmpty(Entry e, String s) {
        if (s.isBlank()) {
            throw new IllegalArgumentException("parameter \"" + e.key() + "\" is empty");
        }
        return s;
    }

    private static int count(Entry e) {
        long v = integer(e);
        if (v < 0) {
            throw negative(e, Long.toString(v));
        }
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("parameter \"" + e.key() + "\" value " + v + " is too large");
        }
        return (int) v;
    }

    /**
     * A duration: a string, the integer 0, or an unquoted number with a size-like suffix that is a valid duration
     * ({@code 10m}, which NATS syntax reads as 10,000,000).
     */
    private static Duration duration(Entry e) {
        Node n = e.value();
        if (n instanceof StringNode s) {
            try {
                return Durations.parse(s.value());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("parameter \"" + e.key() + "\" value " + quote(s.value())
                        + " is not a duration (like \"30s\", \"1h30m\", \"500ms\")");
            }
        }
        if (n instanceof IntNode i) {
            if (i.value() == 0 && i.raw().matches("-?0+")) {
                return Duration.ZERO;
            }
            if (!i.raw().matches("-?\\d+")) {
                try {
                    return Durations.parse(i.raw());
                } catch (IllegalArgumentException ignored) {
                    // falls through to the type error
                }
            }
        }
        throw expected(e, "a duration");
    }

    private static IllegalArgumentException expected(Entry e, String what) {
        Node v = e.value();
        String got = v.kind();
        if (v instanceof StringNode s) {
            got += " " + quote(s.value());
        } else if (v instanceof IntNode i) {
            got += " " + i.raw();
        } else if (v instanceof BoolNode bo) {
            got += " " + bo.value();
        } else if (v instanceof ListNode) {
            got = "an array";
        } else if (v instanceof MapNode) {
            got = "a map";
        }
        return new IllegalArgumentException("parameter \"" + e.key() + "\" value is expected to be " + what + ", got "
                + got);
    }

    private static IllegalArgumentException negative(Entry e, String value) {
        return new IllegalArgumentException("parameter \"" + e.key() + "\" can't be negative (" + value + ")");
    }

    /** A value for a one-line message: quoted, control characters escaped, long values shortened. */
    static String quote(String v) {
        String q = v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r")
                .replace("\t", "\\t");
        if (q.length() > 60) {
            q = q.substring(0, 57) + "...";
        }
        return "\"" + q + "\"";
    }
}
