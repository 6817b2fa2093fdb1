package io.stanchion.store.chronicle;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * File-system steps shared by the Chronicle stores: recursive delete, quiet close, one-line I/O error descriptions
 * (fsyncs go through {@link io.stanchion.store.DiskOps}).
 */
final class FileOps {
    private FileOps() {
    }

    /** Deletes a directory tree (files first); a missing one is fine. */
    static void deleteTree(Path top) throws IOException {
        if (!Files.exists(top)) {
            return;
        }
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** A one-line, human description of an I/O failure (the reason, without a stack or newlines). */
    static String oneLine(Throwable e) {
        String s;
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            s = fse.getReason().toLowerCase(java.util.Locale.ROOT);
        } else if (e instanceof java.nio.file.AccessDeniedException) {
            s = "permission denied";
        } else if (e instanceof java.nio.file.FileAlreadyExistsException) {
            s = "a file of that name exists";
        } else if (e instanceof java.nio.file.NoSuchFileException) {
            s = "no such file or directory";
        } else {
            s = e.getMessage() == null ? "I/O error" : e.getMessage();
        }
        return s.replace('\n', ' ').replace('\r', ' ');
    }

    /** Closes {@code c} if not null, ignoring failures (best effort, on paths that are failing or ending). */
    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }
}
