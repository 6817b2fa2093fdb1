package io.stanchion.monitor;

import java.util.List;
import java.util.Map;

/** Query parameters of a monitoring request, validated: a bad value is a {@link BadParameter} (HTTP 400). */
final class Query {
    private final Map<String, List<String>> params;

    private Query(Map<String, List<String>> params) {
        this.params = params;
    }

    static Query of(Map<String, List<String>> params) {
        return new Query(params);
    }

    String string(String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() || v.get(0).isEmpty() ? null : v.get(0);
    }

    int nonNegative(String name, int dflt) {
        String v = string(name);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 0) {
                throw new BadParameter(name + " must be >= 0, got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadParameter("invalid " + name + " \"" + v + "\": "
                    + (v.matches("[+-]?\\d+") ? "out of range" : "not an integer"));
        }
    }

    /** {@code subs=1} (also true/yes); {@code 0}/false/absent is false. */
    boolean flag(String name) {
        String v = string(name);
        if (v == null) {
            return false;
        }
        return switch (v.toLowerCase()) {
            case "1", "true", "yes", "on" -> true;
            case "0", "false", "no", "off" -> false;
            default -> throw new BadParameter("invalid " + name + " \"" + v + "\": expected 0 or 1");
        };
    }

    static final class BadParameter extends RuntimeException {
        BadParameter(String message) {
            super(message, null, false, false);
        }
    }
}
