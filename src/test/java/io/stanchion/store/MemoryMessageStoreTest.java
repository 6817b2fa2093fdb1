package io.stanchion.store;

import io.stanchion.store.memory.MemoryMessageStore;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MemoryMessageStoreTest extends MessageStoreContract {

    @Override
    protected MessageStore createStore() {
        return new MemoryMessageStore();
    }

    @Override
    protected String expectedType() {
        return "MEMORY";
    }

    @Test
    void aNewStoreIsEmpty() {
        try (MessageStore other = new MemoryMessageStore()) {
            store.channel("x").append(1, new byte[1]);
            assertThat(other.channels()).isEmpty();
            assertThat(other.existing("x")).isNull();
        }
    }
}
