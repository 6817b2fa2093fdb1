package io.stanchion.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line flags with the original server's names, parsed like Go's {@code flag} package: {@code -flag value},
 * {@code -flag=value}, {@code --flag value}; booleans as {@code -flag} or {@code -flag=false}. Sizes accept suffixes
 * ({@code 1GB}), durations are Go-style ({@code 1h30m}). Later flags override earlier ones.
 *
 * <p>Precedence: defaults &lt; configuration file ({@code -sc}/{@code -c}) &lt; flags, wherever the file flag is on
 * the command line. As in the original, {@code -sc} alone or {@code -c} alone is read for everything; with both,
 * {@code -c} (the NATS server's file) only contributes its NATS keys and {@code -sc} the streaming ones.
 *
 * <p>The flags, their types and what they set are declared in {@link OptionRegistry}.
 */
public final class Flags {

    /** Thrown when the user asked for the usage text. */
    public static final class HelpRequested extends RuntimeException {
        public HelpRequested() {
            super(null, null, false, false);
        }
    }

    /** The usage text ({@code --help}), written from {@link OptionRegistry}. */
    public static final String USAGE = OptionRegistry.usage();

    private Flags() {
    }

    /** Parses {@code args} over the defaults. Errors are IllegalArgumentException with a one-line message. */
    public static ServerConfig parse(String... args) {
        return parse(ServerConfig.builder(), args);
    }

    /** Parses {@code args} over {@code base} (defaults, or values set programmatically). */
    public static ServerConfig parse(ServerConfig.Builder base, String... args) {
        List<Parsed> parsed = scan(args);
        Path stanConfig = null;
        Path natsConfig = null;
        for (Parsed p : parsed) {
            if (p.option == OptionRegistry.HELP && value(OptionRegistry.HELP, p)) {
                throw new HelpRequested();
            }
            if (p.option == OptionRegistry.STAN_CONFIG) {
                stanConfig = value(OptionRegistry.STAN_CONFIG, p);
            } else if (p.option == OptionRegistry.NATS_CONFIG) {
                natsConfig = value(OptionRegistry.NATS_CONFIG, p);
            }
        }
        ServerConfig.Builder b = base;
        if (stanConfig != null && natsConfig != null) {
            ConfigFile.load(natsConfig, b, true);
            ConfigFile.load(stanConfig, b, false);
        } else if (stanConfig != null || natsConfig != null) {
            ConfigFile.load(stanConfig != null ? stanConfig : natsConfig, b, false);
        }
        for (Parsed p : parsed) {
            try {
                p.option.applyFlag(b, p.name, p.value);
            } catch (IllegalArgumentException e) {
                throw invalid(p, e);
            }
        }
        return b.build();
    }

    private record Parsed(OptionRegistry.Option<?> option, String name, String value) {
    }

    private static <T> T value(OptionRegistry.Option<T> option, Parsed p) {
        try {
            return option.type.parse(p.value);
        } catch (IllegalArgumentException e) {
            throw invalid(p, e);
        }
    }

    private static IllegalArgumentException invalid(Parsed p, IllegalArgumentException e) {
        return new IllegalArgumentException("invalid value \"" + p.value + "\" for flag -" + p.name + ": "
                + e.getMessage());
    }

    /** Names and values, checked for existence only; Go's rules for booleans and values. */
    private static List<Parsed> scan(String[] args) {
        List<Parsed> out = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--") || arg.startsWith("---")) {
                throw new IllegalArgumentException("unexpected argument \"" + arg + "\" (see --help)");
            }
            String name = arg.replaceFirst("^--?", "");
            String inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            OptionRegistry.Option<?> option = OptionRegistry.byFlag(name);
            if (option == null) {
                throw new IllegalArgumentException("flag provided but not defined: -" + name + " (see --help)");
            }
            String value;
            if (option.type == OptionType.BOOL) {
                value = inline == null ? "true" : inline;
                try {
                    OptionType.bool(value);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("invalid boolean value \"" + value + "\" for flag -" + name);
                }
            } else if (inline != null) {
                value = inline;
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("flag needs an argument: -" + name);
            }
            out.add(new Parsed(option, name, value));
        }
        return out;
    }
}
