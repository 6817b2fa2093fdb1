package io.stanchion.config;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parser for the NATS configuration syntax the original server reads (hand-written; no third-party parser):
 * <ul>
 *   <li>entries {@code key: value}, {@code key = value} or {@code key value}, separated by new lines, {@code ,} or
 *       {@code ;}; keys bare or quoted; the whole document may be wrapped in {@code { }};</li>
 *   <li>maps {@code { ... }} and arrays {@code [ a, b ]} (items separated by {@code ,} or new lines);</li>
 *   <li>comments {@code # ...} and {@code // ...} to the end of the line;</li>
 *   <li>strings {@code "..."} (escapes {@code \t \n \r \" \\ \xHH}), {@code '...'} (raw), bare words, and
 *       {@code ( ... )} blocks ending with a line holding only {@code )};</li>
 *   <li>integers, with the NATS size suffixes ({@code 1K} = 1000, {@code 1KB}/{@code 1Ki}/{@code 1KiB} = 1024,
 *       then M, G, T, P, E); floats; booleans {@code true/false/yes/no/on/off} (bare, any case); Zulu datetimes;</li>
 *   <li>variables {@code $name}: a key defined before in an enclosing map, else the environment variable.</li>
 * </ul>
 * Like in NATS, a bare value starting with a digit is a number only when it fully is one: {@code 1h30m} and
 * {@code 127.0.0.1:4222} are strings, while {@code 10m} is the integer 10,000,000. {@code include} is not supported.
 * Errors are {@link ParseException}s carrying the line.
 */
final class ConfParser {

    /** A syntax error at a line. */
    static final class ParseException extends RuntimeException {
        final int line;

        ParseException(int line, String message) {
            super(message);
            this.line = line;
        }
    }

    /** A parsed value with the line it starts on. */
    sealed interface Node permits MapNode, ListNode, StringNode, IntNode, FloatNode, BoolNode, DateNode {
        int line();

        /** What the user wrote, as a word for error messages: string, number, boolean, map, array, datetime. */
        String kind();
    }

    /** A key and its value; {@code line} is the key's line. */
    record Entry(String key, int line, Node value) {
    }

    record MapNode(int line, List<Entry> entries) implements Node {
        public String kind() {
            return "map";
        }

        /** The last entry whose key equals {@code key} ignoring case, or null. */
        Entry find(String key) {
            Entry found = null;
            for (Entry e : entries) {
                if (e.key().toLowerCase(Locale.ROOT).equals(key)) {
                    found = e;
                }
            }
            return found;
        }
    }

    record ListNode(int line, List<Node> items) implements Node {
        public String kind() {
            return "array";
        }
    }

    /** {@code bare}: written without quotes. */
    record StringNode(int line, String value, boolean bare) implements Node {
        public String kind() {
            return "string";
        }
    }

    /** {@code raw}: the text as written, e.g. "10MB" for 10485760. */
    record IntNode(int line, long value, String raw) implements Node {
        public String kind() {
            return "number";
        }
    }

    record FloatNode(int line, double value, String raw) implements Node {
        public String kind() {
            return "number";
        }
    }

    record BoolNode(int line, boolean value) implements Node {
        public String kind() {
            return "boolean";
        }
    }

    record DateNode(int line, String raw) implements Node {
        public String kind() {
            return "datetime";
        }
    }

    /** The parse result: the top-level map and the names of the keys used as variables. */
    record Document(MapNode root, Set<String> variablesUsed) {
    }

    private static final Pattern INTEGER = Pattern.compile("-?\\d+");
    private static final Pattern SIZED = Pattern.compile("(-?\\d+)([kKmMgGtTpPeE][bBiI]*)");
    private static final Pattern FLOAT = Pattern.compile("-?\\d+\\.\\d+");
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    private static final String SUFFIXES = "kmgtpe";

    private final String src;
    private final Function<String, String> env;
    /** Set when parsing an environment variable's value: no further variable lookups. */
    private boolean noVariables;
    private int pos;
    private int line = 1;
    /** Keys defined so far in each map being parsed, innermost last: the scopes variables are looked up in. */
    private final Deque<Map<String, Node>> scopes = new ArrayDeque<>();
    private final Set<String> variablesUsed = new HashSet<>();

    private ConfParser(String src, Function<String, String> env) {
        this.src = src.startsWith("\uFEFF") ? src.substring(1) : src;
        this.env = env;
    }

    static Document parse(String text) {
        return parse(text, System::getenv);
    }

    /** {@code env} resolves variables not defined in the file. */
    static Document parse(String text, Function<String, String> env) {
        ConfParser p = new ConfParser(text, env);
        MapNode root = p.document();
        return new Document(root, Set.copyOf(p.variablesUsed));
    }

    private MapNode document() {
        skipBlank();
        if (peek() == '{') {
            int openLine = line;
            pos++;
            MapNode m = body('}', openLine);
            pos++;
            skipBlank();
            if (!atEnd()) {
                throw error("unexpected " + describe(peek()) + " after the closing '}' of the document");
            }
            return m;
        }
        return body((char) 0, 1);
    }

    /** Entries up to {@code end} ('}' or 0 for end of input), which is left unconsumed. */
    private MapNode body(char end, int openLine) {
        int startLine = line;
        Map<String, Node> scope = new LinkedHashMap<>();
        scopes.addLast(scope);
        List<Entry> entries = new ArrayList<>();
        try {
            while (true) {
                skipBlank();
                if (atEnd()) {
                    if (end != 0) {
                        throw error("unexpected end of file: '{' opened on line " + openLine + " is never closed");
                    }
                    break;
                }
                char c = peek();
                if (c == end) {
                    break;
                }
                if (c == '}' || c == ']') {
                    throw error("unexpected '" + c + "'");
                }
                int keyLine = line;
                String key = key();
                skipSpaces();
                if (peek() == '=' || peek() == ':') {
                    pos++;
                    skipSpaces();
                }
                if (atEnd() || peek() == '\n' || peek() == '\r') {
                    throw new ParseException(keyLine, "key \"" + key + "\" has no value");
                }
                Node value = value();
                entries.add(new Entry(key, keyLine, value));
                scope.put(key, value);
                skipSpaces();
                if (atEnd() || peek() == end) {
                    continue;
                }
                c = peek();
                if (c == '\n' || c == '\r' || c == ',' || c == ';') {
                    pos++;
                    if (c == '\n') {
                        line++;
                    }
                } else if (c == '#' || startsComment()) {
                    skipComment();
                } else {
                    throw error("expected a new line, ',' or ';' after the value of \"" + key + "\", found "
                            + describe(c));
                }
            }
        } finally {
            scopes.removeLast();
        }
        return new MapNode(startLine, List.copyOf(entries));
    }

    private String key() {
        char c = peek();
        if (c == '"' || c == '\'') {
            int keyLine = line;
            pos++;
            int start = pos;
            while (!atEnd() && peek() != c) {
                if (peek() == '\n') {
                    throw new ParseException(keyLine, "unterminated quoted key");
                }
                pos++;
            }
            if (atEnd()) {
                throw new ParseException(keyLine, "unterminated quoted key");
            }
            String key = src.substring(start, pos);
            pos++;
            return key;
        }
        if (c == '=' || c == ':' || c == ',' || c == ';' || c == '[' || c == '{') {
            throw error("expected a key, found " + describe(c));
        }
        int start = pos;
        while (!atEnd()) {
            char k = peek();
            if (k == ' ' || k == '\t' || k == '\r' || k == '\n' || k == '=' || k == ':' || k == '{' || k == '['
                    || k == '}' || k == ',' || k == ';' || k == '#') {
                break;
            }
            pos++;
        }
        String key = src.substring(start, pos);
        if (key.equalsIgnoreCase("include")) {
            throw error("\"include\" is not supported: put everything in one file");
        }
        return key;
    }

    private Node value() {
        int valueLine = line;
        char c = peek();
        switch (c) {
            case '{' -> {
                pos++;
                MapNode m = body('}', valueLine);
                pos++;
                return new MapNode(valueLine, m.entries());
            }
            case '[' -> {
                pos++;
                return array(valueLine);
            }
            case '"' -> {
                pos++;
                return new StringNode(valueLine, doubleQuoted(valueLine), false);
            }
            case '\'' -> {
                pos++;
                int start = pos;
                while (!atEnd() && peek() != '\'') {
                    if (peek() == '\n') {
                        line++;
                    }
                    pos++;
                }
                if (atEnd()) {
                    throw new ParseException(valueLine, "unterminated string");
                }
                String s = src.substring(start, pos);
                pos++;
                return new StringNode(valueLine, s, false);
            }
            case '(' -> {
                pos++;
                return new StringNode(valueLine, block(valueLine), false);
            }
            default -> {
                return bare(valueLine);
            }
        }
    }

    private ListNode array(int openLine) {
        List<Node> items = new ArrayList<>();
        while (true) {
            skipBlank();
            if (atEnd()) {
                throw new ParseException(openLine, "unexpected end of file: '[' opened on line " + openLine
                        + " is never closed");
            }
            if (peek() == ']') {
                pos++;
                return new ListNode(openLine, List.copyOf(items));
            }
            if (peek() == ',') {
                throw error("unexpected ',' in array");
            }
            items.add(value());
            skipSpaces();
            if (atEnd()) {
                continue;
            }
            char c = peek();
            if (c == ',' || c == '\r') {
                pos++;
            } else if (c == '\n') {
                pos++;
                line++;
            } else if (c == '#' || startsComment()) {
                skipComment();
            } else if (c != ']') {
                throw error("expected ',' or ']' in array, found " + describe(c));
            }
        }
    }

    private String doubleQuoted(int openLine) {
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (atEnd()) {
                throw new ParseException(openLine, "unterminated string");
            }
            char c = src.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\n') {
                line++;
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (atEnd()) {
                throw new ParseException(openLine, "unterminated string");
            }
            char e = src.charAt(pos++);
            switch (e) {
                case 't' -> sb.append('\t');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case 'x' -> {
                    if (pos + 2 > src.length()) {
                        throw error("expected two hexadecimal digits after \\x");
                    }
                    String hex = src.substring(pos, pos + 2);
                    try {
                        sb.append((char) Integer.parseInt(hex, 16));
                    } catch (NumberFormatException ex) {
                        throw error("expected two hexadecimal digits after \\x, got '" + hex + "'");
                    }
                    pos += 2;
                }
                default -> throw error("invalid escape '\\" + e + "' (allowed: \\t \\n \\r \\\" \\\\ \\xHH)");
            }
        }
    }

    /** A "( ... )" block: raw text up to a line holding only ')'. */
    private String block(int openLine) {
        int start = pos;
        while (!atEnd()) {
            char c = src.charAt(pos);
            if (c == '\n') {
                line++;
                int close = pos + 1;
                if (close < src.length() && src.charAt(close) == ')'
                        && (close + 1 == src.length() || src.charAt(close + 1) == '\n'
                        || src.charAt(close + 1) == '\r')) {
                    String s = src.substring(start, pos);
                    pos = close + 1;
                    return s;
                }
            }
            pos++;
        }
        throw new ParseException(openLine, "unexpected end of file: block '(' is never closed by a line holding ')'");
    }

    private Node bare(int valueLine) {
        int start = pos;
        while (!atEnd()) {
            char c = peek();
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ';' || c == ']' || c == '}') {
                break;
            }
            pos++;
        }
        String t = src.substring(start, pos);
        if (t.isEmpty()) {
            throw error("expected a value, found " + describe(peek()));
        }
        char first = t.charAt(0);
        if (Character.isDigit(first) || (first == '-' && t.length() > 1 && Character.isDigit(t.charAt(1)))) {
            if (INTEGER.matcher(t).matches()) {
                return new IntNode(valueLine, integer(t, t, 1, valueLine), t);
            }
            Matcher m = SIZED.matcher(t);
            if (m.matches()) {
                return new IntNode(valueLine, integer(t, m.group(1), suffixMultiplier(m.group(2), valueLine),
                        valueLine), t);
            }
            if (FLOAT.matcher(t).matches()) {
                return new FloatNode(valueLine, Double.parseDouble(t), t);
            }
            if (DATE.matcher(t).matches()) {
                return new DateNode(valueLine, t);
            }
            return new StringNode(valueLine, t, true);
        }
        switch (t.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> {
                return new BoolNode(valueLine, true);
            }
            case "false", "no", "off" -> {
                return new BoolNode(valueLine, false);
            }
            default -> {
            }
        }
        if (first == '$' && t.length() > 1 && !noVariables) {
            return variable(t.substring(1), valueLine);
        }
        return new StringNode(valueLine, t, true);
    }

    private Node variable(String name, int refLine) {
        var it = scopes.descendingIterator();
        while (it.hasNext()) {
            Node n = it.next().get(name);
            if (n != null) {
                variablesUsed.add(name);
                return n;
            }
        }
        String value = env.apply(name);
        if (value == null) {
            throw new ParseException(refLine, "variable reference for \"" + name + "\" can't be found");
        }
        // An environment value is parsed as a value of its own (a number stays a number).
        ConfParser sub = new ConfParser(value, env);
        sub.line = refLine;
        sub.noVariables = true;
        try {
            return sub.bareOrQuoted();
        } catch (ParseException e) {
            return new StringNode(refLine, value, false);
        }
    }

    private Node bareOrQuoted() {
        Node n = value();
        skipSpaces();
        if (!atEnd()) {
            throw error("trailing characters");
        }
        return n;
    }

    private long integer(String text, String digits, long multiplier, int valueLine) {
        try {
            return Math.multiplyExact(Long.parseLong(digits), multiplier);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ParseException(valueLine, "integer '" + text + "' is out of range");
        }
    }

    private static long suffixMultiplier(String suffix, int valueLine) {
        String s = suffix.toLowerCase(Locale.ROOT);
        int power = SUFFIXES.indexOf(s.charAt(0)) + 1;
        String rest = s.substring(1);
        long base;
        switch (rest) {
            case "" -> base = 1000;
            case "b", "i", "ib" -> base = 1024;
            default -> throw new ParseException(valueLine, "invalid size suffix '" + suffix + "'");
        }
        long m = 1;
        for (int i = 0; i < power; i++) {
            m *= base;
        }
        return m;
    }

    // ---- low-level scanning

    private boolean atEnd() {
        return pos >= src.length();
    }

    private char peek() {
        return atEnd() ? 0 : src.charAt(pos);
    }

    private boolean startsComment() {
        return pos + 1 < src.length() && src.charAt(pos) == '/' && src.charAt(pos + 1) == '/';
    }

    /** Spaces and tabs only. */
    private void skipSpaces() {
        while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
            pos++;
        }
    }

    /** Up to (not including) the end of the line. */
    private void skipComment() {
        while (!atEnd() && peek() != '\n') {
            pos++;
        }
    }

    /** Whitespace, new lines and comments. */
    private void skipBlank() {
        while (!atEnd()) {
            char c = peek();
            if (c == '\n') {
                line++;
                pos++;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                pos++;
            } else if (c == '#' || startsComment()) {
                skipComment();
            } else {
                return;
            }
        }
    }

    private ParseException error(String message) {
        return new ParseException(line, message);
    }

    private static String describe(char c) {
        if (c == 0) {
            return "end of file";
        }
        if (c == '\n' || c == '\r') {
            return "end of line";
        }
        return "'" + c + "'";
    }
}
