package io.stanchion.store.memory;

import io.stanchion.store.ClientRecord;
import io.stanchion.store.RecoveredState;
import io.stanchion.store.StateStore;
import io.stanchion.store.SubscriptionRecord;

/** The MEMORY store's state: nothing is kept, so nothing survives a restart (as the original memory store). */
public final class NoStateStore implements StateStore {
    @Override
    public RecoveredState recovered() {
        return RecoveredState.empty();
    }

    @Override
    public RecoveredState current() {
        return RecoveredState.empty();
    }

    @Override
    public void serverInfo(String clusterId, String ackToken) {
    }

    @Override
    public void addClient(ClientRecord client) {
    }

    @Override
    public void deleteClient(String clientId) {
    }

    @Override
    public void putSubscription(SubscriptionRecord sub) {
    }

    @Override
    public void deleteSubscription(long subscriptionId) {
    }

    @Override
    public void sent(long subscriptionId, long sequence) {
    }

    @Override
    public void acked(long subscriptionId, long sequence) {
    }

    @Override
    public void flush(boolean fsync) {
    }

    @Override
    public void close() {
    }
}
