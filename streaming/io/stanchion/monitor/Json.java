package io.stanchion.monitor;

import java.util.List;

/**
 * A minimal indented JSON writer for the monitoring endpoints (the original serves indented JSON). Not thread-safe;
 * one instance per response.
 */
final class Json {
    private final StringBuilder out = new StringBuilder(256);
    private int depth;
    private boolean first = true;

    Json begin() {
        return open('{');
    }

    Json end() {
        return close('}');
    }

    Json object(String name) {
        key(name);
        return open('{');
    }

    Json array(String name) {
        key(name);
        return open('[');
    }

    Json endArray() {
        return close(']');
    }

    /** Starts an anonymous object inside an array. */
    Json element() {
        comma();
        newline();
        return open('{');
    }

    Json field(String name, String value) {
        key(name);
        string(value);
        return this;
    }

    Json field(String name, long value) {
        key(name);
        out.append(value);
        return this;
    }

    Json field(String name, boolean value) {
        key(name);
        out.append(value);
        return this;
    }

    Json fieldIfNotEmpty(String name, String value) {
        return value == null || value.isEmpty() ? this : field(name, value);
    }

    Json stringArray(String name, List<String> values) {
        array(name);
        for (String v : values) {
            comma();
            newline();
            string(v);
        }
        return endArray();
    }

    private Json open(char c) {
        out.append(c);
        depth++;
        first = true;
        return this;
    }

    private Json close(char c) {
        depth--;
        if (!first) {
            newline();
        }
        out.append(c);
        first = false;
        return this;
    }

    private void key(String name) {
        comma();
        newline();
        string(name);
        out.append(": ");
    }

    private void comma() {
        if (!first) {
            out.append(',');
        }
        first = false;
    }

    private void newline() {
        out.append('\n');
        for (int i = 0; i < depth; i++) {
            out.append("  ");
        }
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
