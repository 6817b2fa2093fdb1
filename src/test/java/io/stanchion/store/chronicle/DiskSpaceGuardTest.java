package io.stanchion.store.chronicle;

import io.stanchion.store.DiskOps;
import io.stanchion.store.StoreFullException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DiskSpaceGuardTest {

    private final AtomicLong usable = new AtomicLong(100L << 20);
    private final DiskOps disk = new DiskOps() {
        @Override
        public long usableSpace(Path directory) {
            return usable.get();
        }
    };
    private final DiskSpaceGuard guard = new DiskSpaceGuard(Path.of("/"), disk);

    /** A write as a store makes it: reserved, then written (the disk's usable space goes down). */
    private void write(long bytes, long margin) {
        guard.reserve(bytes, margin);
        usable.addAndGet(-bytes);
    }

    @Test
    void refusesAWriteThatWouldEatIntoTheMargin() {
        long margin = 64L << 20;
        write((36L << 20) - 10, margin); // leaves 64 MiB + 10
        assertThatThrownBy(() -> write(11, margin)).isInstanceOf(StoreFullException.class)
                .hasMessage("no space left on device");
        assertThat(usable.get()).as("nothing written").isEqualTo((64L << 20) + 10);
        write(10, margin);
        write(1, margin / 2); // a smaller margin (the journal's) still has room
    }

    @Test
    void queriesAgainAfterAFewMegabytesSoOtherWritersAreSeen() {
        write(1, 0);
        long queries = guard.queries();
        usable.set(10L << 20); // another process filled the disk
        write(DiskSpaceGuard.REFRESH_BYTES / 2, 0);
        assertThat(guard.queries()).as("no query within a few MB").isEqualTo(queries);
        assertThatThrownBy(() -> write(DiskSpaceGuard.REFRESH_BYTES / 2, 9L << 20))
                .isInstanceOf(StoreFullException.class);
        assertThat(guard.queries()).isGreaterThan(queries);
        assertThat(guard.usableEstimate()).isEqualTo((10L << 20) - DiskSpaceGuard.REFRESH_BYTES / 2);
    }
}
