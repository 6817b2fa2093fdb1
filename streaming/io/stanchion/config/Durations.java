package io.stanchion.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style durations ("1h30m", "500ms", "2.5s", "0") and sizes ("1GB", "512KB", "1024"), as the original accepts. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(?i)^(\\d+)\\s*(b|k|kb|m|mb|g|gb|t|tb)?$");

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
        if (negative) {
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

    /** Parses a size in bytes: "1024", "1KB", "10MB", "1GB" (powers of 1024, as the original). */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid size \"" + text + "\"");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase();
        return switch (unit.charAt(0)) {
            case 'k' -> n << 10;
            case 'm' -> n << 20;
            case 'g' -> n << 30;
            case 't' -> n << 40;
            default -> n;
        };
    }

    /** Formats like Go's Duration.String for whole units: "1h2m3s", "500ms", "0s". */
    public static String format(Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) {
            return "0s";
        }
        if (nanos < 1_000_000_000L) {
            if (nanos % 1_000_000 == 0) {
                return nanos / 1_000_000 + "ms";
            }
            return nanos + "ns";
        }
        StringBuilder sb = new StringBuilder();
        long secs = d.getSeconds();
        long h = secs / 3600;
        long m = (secs % 3600) / 60;
        long s = secs % 60;
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            sb.append(m).append('m');
        }
        sb.append(s).append('s');
        return sb.toString();
    }
}
