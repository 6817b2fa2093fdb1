package io.stanchion.store.chronicle;

import io.stanchion.store.StoreException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;

import static io.stanchion.store.chronicle.JournalGeneration.GENERATION_NAME;
import static io.stanchion.store.chronicle.JournalGeneration.TEMPORARY_PREFIX;
import static io.stanchion.store.chronicle.JournalGeneration.generationDir;

/**
 * Opening the state journal: which generation the state is recovered from, and what happens to the others.
 *
 * <p>{@link #replayNewest()} deletes the {@code .tmp-gen-N} directories (compactions a crash interrupted) and replays
 * ({@link GenerationReplay}) the generations newest first, up to the first complete one (its SNAPSHOT_END is in):
 * its state is recovered. The store then writes that state as a new generation ({@link JournalCompaction}), after
 * which {@link #removeOldGenerations()} deletes every generation found here. Every discarded directory and every
 * record dropped is described in the warnings ({@link ChronicleStateStore#recoveryWarnings()}); nothing is logged.
 *
 * <h2>Torn writes and corruption</h2>
 * <ul>
 *   <li><b>kill -9 mid-write.</b> Chronicle writes an excerpt's payload after a header left at 0 and then sets the
 *   header to the length in one ordered 4-byte write (checked in chronicle-wire 2026.6, {@code AbstractWire
 *   .enterHeader/updateHeader}; a test kills a JVM inside a write to check it). A record is therefore either
 *   complete or invisible to a reader: a process crash leaves at most an unfinished excerpt whose header is still
 *   0 (or has the not-complete bit), which readers see as the end of the queue. Recovery treats it as not written,
 *   not as corruption. The stale write lock of the dead writer in {@code metadata.cq4t} does not matter: an old
 *   generation is only ever read (the opening compaction writes a new one); Chronicle may log that it force-unlocked
 *   it.</li>
 *   <li><b>Damage</b> (a torn page after a power loss without fsync, a flipped bit, a truncated file; what counts as
 *   damage is on {@link GenerationReplay}): in the newest complete generation this throws a {@link StoreException}
 *   naming the generation directory and file, the record's ordinal, Chronicle index and file offset, unless
 *   truncateBadTail ({@link ChronicleStateStore.Options#truncateBadTail}) is set: then the state up to the last good
 *   record is recovered, a description goes to the warnings, the damaged generation is kept as
 *   {@code gen-N.damaged} and the store goes on with a fresh compacted generation.</li>
 *   <li>A {@code gen-N} without SNAPSHOT_END (this version never leaves one, thanks to the rename, but the rule
 *   stands) that is newer than the newest complete one is an interrupted compaction (compaction deletes older
 *   generations only after the new one is complete and synced), whatever its content, damaged or not: it is deleted
 *   and noted in the warnings, as are {@code .tmp-gen-N} directories. When no generation is complete, empty ones
 *   are a store creation that did not finish (a new store), and a non-empty one is an error (or, with
 *   truncateBadTail, replayed as far as it goes and kept as {@code gen-N.damaged}).</li>
 * </ul>
 *
 * <p>Threading: the thread opening the store, once.
 */
final class JournalRecovery {
    static final String DAMAGED_SUFFIX = ".damaged";

    private final Path stateDir;
    private final boolean truncateBadTail;
    private final List<String> warnings;
    /** Numbers of the generations found at open, newest first. */
    private List<Long> numbers;
    private long chosenNumber = -1;
    /** The recovered generation is damaged: it is kept as {@code gen-N.damaged}, not deleted. */
    private boolean keepDamaged;

    /** Recovery of the journal in {@code stateDir}, adding what it finds worth logging to {@code warnings}. */
    JournalRecovery(Path stateDir, boolean truncateBadTail, List<String> warnings) {
        this.stateDir = stateDir;
        this.truncateBadTail = truncateBadTail;
        this.warnings = warnings;
    }

    /**
     * Discards interrupted compactions and replays the newest complete generation (see the class comment).
     *
     * @return the recovered state (empty for a new store)
     * @throws StoreException when the journal is damaged and truncateBadTail is not set
     */
    JournalState replayNewest() {
        for (Path tmp : temporaryDirectories(stateDir)) {
            try {
                FileOps.deleteTree(tmp);
                warnings.add("discarded " + tmp + ": an interrupted compaction");
            } catch (IOException e) {
                throw new StoreException("cannot delete the interrupted compaction " + tmp + ": " + e, e);
            }
        }
        numbers = generationNumbers(stateDir);
        numbers.sort(Comparator.reverseOrder());
        JournalState chosen = null;
        // Newest first, up to the first complete generation; the newer ones are interrupted compactions.
        List<Candidate> incomplete = new ArrayList<>();
        for (long n : numbers) {
            Path dir = generationDir(stateDir, n);
            JournalState s = new JournalState();
            GenerationReplay r = GenerationReplay.replay(dir, s);
            if (!r.sawEnd) {
                incomplete.add(new Candidate(n, r, s));
                continue;
            }
            if (r.problem != null) {
                if (!truncateBadTail) {
                    throw new StoreException(r.problem + " (opening with truncateBadTail recovers the state up to"
                            + " the last good record)");
                }
                warnings.add(r.problem + "; recovered the state up to the last good record (" + r.records
                        + " records); the damaged generation is kept as " + damagedName(dir));
                keepDamaged = true;
            }
            chosen = s;
            chosenNumber = n;
            break;
        }
        for (Candidate inc : incomplete) {
            long n = inc.number();
            GenerationReplay r = inc.replay();
            Path dir = generationDir(stateDir, n);
            boolean empty = r.records == 0 && r.problem == null;
            if (chosen != null && chosenNumber > n) {
                warnings.add("discarded " + dir + ": older than the recovered generation, without SNAPSHOT_END");
            } else if (chosen != null) {
                // Compaction deletes older generations only once the new one is complete (and synced).
                warnings.add("discarded " + dir + ": an interrupted compaction ("
                        + (empty ? "empty" : r.records + " records, no SNAPSHOT_END")
                        + (r.problem == null ? "" : "; " + r.problem) + ")");
            } else if (!empty && !keepDamaged) {
                // No complete generation at all, yet this one holds something: not a store creation that stopped
                // before its first record.
                String what = "state journal " + dir + " has " + r.records + " records but no SNAPSHOT_END, and no"
                        + " complete generation to fall back to" + (r.problem == null ? "" : "; " + r.problem);
                if (!truncateBadTail) {
                    throw new StoreException(what + " (opening with truncateBadTail recovers what it holds)");
                }
                warnings.add(what + "; recovered the state it holds; the generation is kept as "
                        + damagedName(dir));
                chosen = inc.state();
                chosenNumber = n;
                keepDamaged = true;
            }
        }
        return chosen != null ? chosen : new JournalState();
    }

    /** Number of the first generation written after recovery: above every generation found. */
    long nextGeneration() {
        return (numbers.isEmpty() ? 0 : numbers.get(0)) + 1;
    }

    /**
     * Once the recovered state is in a new generation: deletes every generation found at open, but keeps a damaged
     * recovered one as {@code gen-N.damaged}. A failure here is only a warning (a leftover generation is older than
     * the new one and deleted at the next open).
     */
    void removeOldGenerations() {
        for (long n : numbers) {
            Path dir = generationDir(stateDir, n);
            if (n == chosenNumber && keepDamaged) {
                try {
                    Files.move(dir, damagedName(dir));
                } catch (IOException e) {
                    warnings.add("could not rename the damaged generation " + dir + ": " + e);
                }
            } else {
                try {
                    FileOps.deleteTree(dir);
                } catch (IOException e) {
                    warnings.add("could not delete the old generation " + dir + " (it is ignored): " + e);
                }
            }
        }
    }

    private record Candidate(long number, GenerationReplay replay, JournalState state) {
    }

    /** Where a damaged generation is kept: {@code gen-N.damaged}, or {@code gen-N.damaged-2} ... when taken. */
    private static Path damagedName(Path dir) {
        Path p = dir.resolveSibling(dir.getFileName() + DAMAGED_SUFFIX);
        Path candidate = p;
        for (int i = 2; Files.exists(candidate); i++) {
            candidate = p.resolveSibling(p.getFileName() + "-" + i);
        }
        return candidate;
    }

    /** Numbers of the {@code gen-NNNNNNNNNN} directories in {@code stateDir}, in no particular order. */
    private static List<Long> generationNumbers(Path stateDir) {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(stateDir)) {
            for (Path p : s) {
                Matcher m = GENERATION_NAME.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p)) {
                    out.add(Long.parseLong(m.group(1)));
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot list state directory " + stateDir + ": " + e, e);
        }
        return out;
    }

    /** The {@code .tmp-gen-NNNNNNNNNN} directories in {@code stateDir}: compactions that did not finish. */
    private static List<Path> temporaryDirectories(Path stateDir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(stateDir)) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                if (name.startsWith(TEMPORARY_PREFIX)
                        && GENERATION_NAME.matcher(name.substring(TEMPORARY_PREFIX.length())).matches()) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot list state directory " + stateDir + ": " + e, e);
        }
        return out;
    }
}
