package io.stanchion.engine;

import java.util.List;

/**
 * What monitoring reads, as immutable {@link Snapshot} values: the serving engine's state ({@link EngineView}, inside
 * {@link Engine#call}) or a cluster follower's replicated stores ({@link StoredView}). Same values, same JSON.
 */
public interface StateView {

    /** Server-wide totals. */
    Snapshot.Totals totals();

    /** Every client, sorted by ID, with its active subscriptions. */
    List<Snapshot.Client> clients();

    /** Every channel, sorted by name, with all its stored subscriptions (offline ones included). */
    List<Snapshot.Channel> channels();
}
