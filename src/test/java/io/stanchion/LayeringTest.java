package io.stanchion;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store layer ({@code store/}) depends on the JDK and Chronicle (net.openhft) only: never on the server
 * ({@code io.stanchion.*} outside {@code io.stanchion.store}), NATS, Netty, protobuf or Micrometer.
 */
class LayeringTest {

    /** Packages the store may not use, imported or written out in full. */
    private static final Pattern FORBIDDEN = Pattern.compile(
            "\\b(io\\.stanchion\\.(?!store\\b)[A-Za-z_]\\w*"
                    + "|io\\.nats\\b|io\\.netty\\b|com\\.google\\.protobuf\\b|io\\.micrometer\\b)");

    /** Imports the store may have: the JDK, Chronicle, and itself. */
    private static final Pattern ALLOWED_IMPORT = Pattern.compile(
            "(java|javax|jdk)\\.[\\w.*]+|net\\.openhft\\.[\\w.*]+|io\\.stanchion\\.store(\\.[\\w.*]+)?");

    private static final Pattern IMPORT = Pattern.compile("^\\s*import\\s+(static\\s+)?([\\w.*]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);

    private static Path storeSources() {
        return Path.of(System.getProperty("basedir", ".")).resolve("store");
    }

    @Test
    void storeDependsOnlyOnTheJdkAndChronicle() throws IOException {
        Path root = storeSources();
        assertThat(root).as("store source folder").isDirectory();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root, FileVisitOption.FOLLOW_LINKS)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        assertThat(files).as("java files under %s", root).hasSizeGreaterThanOrEqualTo(4);
        List<String> violations = new ArrayList<>();
        for (Path file : files) {
            violations.addAll(check(root.relativize(file).toString(), Files.readString(file)));
        }
        assertThat(violations).as("layering violations in store/").isEmpty();
    }

    @Test
    void theCheckerCatchesViolations() {
        String bad = """
                package io.stanchion.store.chronicle;
                import io.stanchion.streaming.Engine;
                import static io.nats.client.Nats.connect;
                import io.netty.buffer.ByteBuf;
                import org.slf4j.Logger;
                class X {
                    com.google.protobuf.ByteString s; // written out in full
                    io.micrometer.core.instrument.Counter c;
                }
                """;
        assertThat(check("X.java", bad)).hasSize(6);
        String good = """
                package io.stanchion.store.memory;
                import io.stanchion.store.ChannelLog;
                import io.stanchion.store.*;
                import java.util.List;
                import static java.util.Objects.requireNonNull;
                import net.openhft.chronicle.queue.ExcerptAppender;
                /** Mentions io.nats and io.netty in a comment only. */
                class Y { String s = "io.nats.client"; // and here
                }
                """;
        assertThat(check("Y.java", good)).isEmpty();
    }

    /** Violations in one source file. */
    static List<String> check(String name, String source) {
        List<String> violations = new ArrayList<>();
        Matcher pkg = PACKAGE.matcher(source);
        if (!pkg.find() || !(pkg.group(1).equals("io.stanchion.store") || pkg.group(1).startsWith("io.stanchion.store."))) {
            violations.add(name + ": package is not io.stanchion.store[.*]");
        }
        Matcher imp = IMPORT.matcher(source);
        while (imp.find()) {
            String target = imp.group(2);
            if (!ALLOWED_IMPORT.matcher(target).matches()) {
                violations.add(name + ": import " + target);
            }
        }
        // Fully qualified uses outside imports, with comments and string literals removed.
        String code = IMPORT.matcher(stripCommentsAndStrings(source)).replaceAll("");
        Matcher use = FORBIDDEN.matcher(code);
        while (use.find()) {
            violations.add(name + ": uses " + use.group(1));
        }
        return violations;
    }

    private static String stripCommentsAndStrings(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (s.startsWith("//", i)) {
                while (i < s.length() && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? s.length() : end + 2;
                out.append(' ');
            } else if (s.startsWith("\"\"\"", i)) {
                int end = s.indexOf("\"\"\"", i + 3);
                i = end < 0 ? s.length() : end + 3;
                out.append("\"\"");
            } else if (c == '"' || c == '\'') {
                i++;
                while (i < s.length() && s.charAt(i) != c && s.charAt(i) != '\n') {
                    i += s.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
                out.append(c).append(c);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
