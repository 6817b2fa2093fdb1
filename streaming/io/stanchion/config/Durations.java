package io.stanchion.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style durations ("1h30m", "500ms", "2.5s", "0") and sizes ("1GB", "512KB", "1024"), as the original accepts. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(?i)^(-?\\d+)\\s*(b|[kmgtpe]|[kmgtpe]b|[kmgtpe]i|[kmgtpe]ib)?$");

    private Durations() {
    }

    /** Parses a Go duration; a bare integer is taken as seconds. Throws IllegalArgumentException when invalid. */
    public static Duration parse(String text) {
        String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty duration");
        }
        if (s.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(s));
        }
        boolean negative = s.startsWith("-");
        if (negative || s.startsWith("+")) {
            s = s.substring(1);
        }
        Matcher m = PART.matcher(s);
        long nanos = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                throw new IllegalArgumentException("invalid duration \"" + text + "\"");
            }
            end = m.end();
            double value = Double.parseDouble(m.group(1));
            nanos += (long) (value * unitNanos(m.group(2)));
        }
        if (end != s.length() || end == 0) {
            throw new IllegalArgumentException("invalid duration \"" + text + "\"");
        }
        return Duration.ofNanos(negative ? -nanos : nanos);
    }

    private static double unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1;
            case "us", "µs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            case "h" -> 3600e9;
            default -> throw new IllegalArgumentException("unit " + unit);
        };
    }

    /**
     * Parses a size in bytes the way the original does (NATS configuration number suffixes): "1024", "1K" = 1000,
     * "1KB" = "1KiB" = "1Ki" = 1024, "10M" = 10,000,000, "10MB" = 10 MiB, then G, T, P, E alike (case-insensitive).
     */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid size \"" + text + "\"");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size \"" + text + "\" is out of range");
        }
        String suffix = m.group(2) == null ? "" : m.group(2).toLowerCase(java.util.Locale.ROOT);
        if (suffix.isEmpty() || suffix.equals("b")) {
            return n;
        }
        int power = "kmgtpe".indexOf(suffix.charAt(0)) + 1;
        boolean binary = suffix.length() > 1;
        long unit = 1;
        for (int i = 0; i < power; i++) {
            unit = Math.multiplyExact(unit, binary ? 1024L : 1000L);
        }
        try {
            return Math.multiplyExact(n, unit);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("size \"" + text + "\" is out of range");
        }
    }

    /** Formats like Go's Duration.String: "1h2m3s", "1.5s", "500ms", "0s", "-2m0s". */
    public static String format(Duration d) {
        long nanos;
        try {
            nanos = d.toNanos();
        } catch (ArithmeticException e) {
            return d.toString();
        }
        if (nanos == 0) {
            return "0s";
        }
        String sign = nanos < 0 ? "-" : "";
        long u = Math.abs(nanos);
        if (u < 1_000_000_000L) {
            if (u < 1_000) {
                return sign + u + "ns";
            }
            if (u < 1_000_000) {
                return sign + fraction(u, 1_000) + "\u00b5s";
            }
            return sign + fraction(u, 1_000_000) + "ms";
        }
        StringBuilder sb = new StringBuilder(sign);
        long secs = u / 1_000_000_000L;
        long h = secs / 3600;
        long m = (secs % 3600) / 60;
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            sb.append(m).append('m');
        }
        sb.append(fraction(u % 60_000_000_000L, 1_000_000_000L)).append('s');
        return sb.toString();
    }

    private static String fraction(long value, long unit) {
        long whole = value / unit;
        long rest = value % unit;
        if (rest == 0) {
            return Long.toString(whole);
        }
        String digits = String.format("%0" + (Long.toString(unit).length() - 1) + "d", rest).replaceAll("0+$", "");
        return whole + "." + digits;
    }
}
