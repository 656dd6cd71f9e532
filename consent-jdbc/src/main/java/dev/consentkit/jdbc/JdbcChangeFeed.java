package dev.consentkit.jdbc;

import dev.consentkit.core.SubjectId;
import dev.consentkit.core.internal.Checks;
import dev.consentkit.core.spi.ChangeFeed;
import dev.consentkit.jdbc.internal.ChangeNotices;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the {@link dev.consentkit.core.DecisionCache decision caches} of other application instances which subjects
 * were written to a {@link JdbcConsentStore}'s tables, through the database itself:
 * {@code DecisionCache.builder().changeFeed(JdbcChangeFeed.builder(store).build())}. One thread of its own, started
 * by the first subscription; {@link #close()} stops it.
 *
 * <p><b>{@link Mode#LISTEN} (PostgreSQL).</b> Every writing instance's store sends a notification inside each write
 * transaction ({@link JdbcConsentStore.Builder#notifyChanges}); the server delivers it to listeners when the
 * transaction commits, and never if it rolls back. The feed holds one connection of its own (from
 * {@link Builder#listenerDataSource}, by default the store's pool: one connection fewer for the store) on which it
 * runs {@code LISTEN}, and waits for notifications. Staleness bound: the notification's delivery, typically well
 * under 10 ms after the commit. The connection is checked with a query every second without notifications; when
 * it fails (server restart, the backend terminated, network), the feed reports itself lost (caches read through
 * to the database) and reconnects; once listening again it reports itself live (caches drop everything).
 *
 * <p><b>{@link Mode#POLL} (MariaDB, MySQL, H2; PostgreSQL without notifications).</b> Every
 * {@link Builder#pollInterval} (default 100 ms) the feed reads the log rows appended since the highest id it saw,
 * and drops their subjects (an erasure, which renames the subject's rows, drops the whole tenant). Identity values
 * are handed out when rows are inserted but become visible when their transaction commits, so a lower id can
 * appear after a higher one: ids skipped are remembered as gaps and asked for again on every poll, for
 * {@link Builder#commitWindow} (default 10 s) after they were first skipped. Staleness bound: the poll interval
 * plus the poll's own time, for every write whose transaction commits within the commit window of inserting its
 * log rows (ConsentKit's own transactions commit right after); a write that joined a caller's transaction held
 * open longer than that is bounded only by the cache's maximum staleness. While a poll fails the feed is lost;
 * when one succeeds again it starts afresh (live: caches drop everything).
 */
public final class JdbcChangeFeed implements ChangeFeed, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JdbcChangeFeed.class);

    /** How many gaps in the log ids are remembered at most; more and the feed drops everything instead. */
    private static final int MAX_GAPS = 10_000;
    /** How many gaps one poll asks for again at most. */
    private static final int GAPS_PER_POLL = 500;
    /** How many ids below the highest one a feed that starts treats as possibly not yet committed. */
    private static final int START_WINDOW = 1_000;

    private static final long HEARTBEAT_NANOS = Duration.ofSeconds(1).toNanos();

    /** How the feed learns of changes. */
    public enum Mode {
        /** PostgreSQL {@code LISTEN/NOTIFY}: needs {@link JdbcConsentStore.Builder#notifyChanges} on every writer. */
        LISTEN,
        /** Polling the log at the poll interval. */
        POLL
    }

    private final Mode mode;
    private final DataSource dataSource;
    private final ChangeNotices notices;
    private final Duration pollInterval;
    private final long commitWindowNanos;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Object state = new Object();

    private volatile boolean running = true;
    private volatile boolean live;
    private @Nullable Thread thread;
    private volatile @Nullable Connection listening;

    private JdbcChangeFeed(Builder b, Mode mode) {
        this.mode = mode;
        DataSource listener = b.listenerDataSource;
        this.dataSource = listener != null ? listener : b.store.dataSource();
        this.notices = new ChangeNotices(b.store.sql().tables());
        this.pollInterval = b.pollInterval;
        this.commitWindowNanos = b.commitWindow.toNanos();
    }

    /** A builder for a feed on {@code store}'s tables. */
    public static Builder builder(JdbcConsentStore store) {
        return new Builder(Checks.notNull(store, "store"));
    }

    /** How this feed learns of changes. */
    public Mode mode() {
        return mode;
    }

    /** Whether the feed delivers every change committed from now on (false before it connected, and while lost). */
    public boolean live() {
        return live;
    }

    @Override
    public Subscription subscribe(Listener listener) {
        Checks.notNull(listener, "listener");
        synchronized (state) {
            if (!running) {
                throw new IllegalStateException("The change feed is closed");
            }
            listeners.add(listener);
            if (live) {
                listener.live();
            }
            if (thread == null) {
                Thread t =
                        new Thread(mode == Mode.LISTEN ? this::listenLoop : this::pollLoop, "consentkit-change-feed");
                t.setDaemon(true);
                thread = t;
                t.start();
            }
        }
        return () -> listeners.remove(listener);
    }

    /** Stops the feed's thread and closes its connection; subscribers are told the feed is lost. */
    @Override
    public void close() {
        Thread t;
        synchronized (state) {
            running = false;
            t = thread;
        }
        Connection c = listening;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        setLive(false, null);
    }

    private void setLive(boolean now, @Nullable Exception cause) {
        synchronized (state) {
            if (live == now) {
                return;
            }
            live = now;
            for (Listener l : listeners) {
                if (now) {
                    l.live();
                } else {
                    l.lost();
                }
            }
        }
        if (now) {
            log.info("ConsentKit change feed ({}) is live", mode);
        } else if (cause != null) {
            log.warn(
                    "ConsentKit change feed ({}) lost ({}): decision caches read through to the database until it is back",
                    mode,
                    describe(cause));
        }
    }

    private static String describe(Exception e) {
        return e instanceof SQLException sql
                ? "SQLState " + sql.getSQLState()
                : e.getClass().getSimpleName();
    }

    private void changed(String tenant, String subject) {
        SubjectId id = new SubjectId(subject);
        for (Listener l : listeners) {
            l.changed(tenant, id);
        }
    }

    private void tenantChanged(String tenant) {
        for (Listener l : listeners) {
            l.tenantChanged(tenant);
        }
    }

    private void pause(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    // ------------------------------------------------------------------ LISTEN

    private void listenLoop() {
        Duration retry = pollInterval.compareTo(Duration.ofSeconds(1)) > 0 ? pollInterval : Duration.ofSeconds(1);
        while (running) {
            try (Connection c = dataSource.getConnection()) {
                listening = c;
                if (!c.getAutoCommit()) {
                    c.setAutoCommit(true);
                }
                try (Statement st = c.createStatement()) {
                    st.execute(notices.listen());
                }
                PgNotifications pg = new PgNotifications(c);
                setLive(true, null);
                int waitMillis = (int) Math.min(500, Math.max(10, pollInterval.toMillis()));
                long lastCheck = System.nanoTime();
                while (running) {
                    List<String[]> received = pg.receive(waitMillis);
                    if (!received.isEmpty()) {
                        for (String[] n : received) {
                            deliver(n[0], n[1]);
                        }
                        lastCheck = System.nanoTime();
                    } else if (System.nanoTime() - lastCheck > HEARTBEAT_NANOS) {
                        try (Statement st = c.createStatement()) {
                            st.execute("SELECT 1");
                        }
                        lastCheck = System.nanoTime();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    setLive(false, e);
                    pause(retry);
                }
            } finally {
                listening = null;
            }
        }
    }

    private void deliver(String channel, String payload) {
        if (!notices.channel().equals(channel)) {
            return;
        }
        Optional<String[]> named = ChangeNotices.parse(payload);
        if (named.isPresent()) {
            changed(named.get()[0], named.get()[1]);
        }
    }

    /** PgJDBC's notifications, in a class of their own so that the feed loads without the driver when it polls. */
    private static final class PgNotifications {
        private final PGConnection pg;

        PgNotifications(Connection c) throws SQLException {
            this.pg = c.unwrap(PGConnection.class);
        }

        /** Channel and payload of each notification received within {@code waitMillis}. */
        List<String[]> receive(int waitMillis) throws SQLException {
            PGNotification[] received = pg.getNotifications(waitMillis);
            if (received == null || received.length == 0) {
                return List.of();
            }
            List<String[]> result = new ArrayList<>(received.length);
            for (PGNotification n : received) {
                result.add(new String[] {n.getName(), n.getParameter()});
            }
            return result;
        }
    }

    // ------------------------------------------------------------------ POLL

    private void pollLoop() {
        Poller poller = new Poller();
        while (running) {
            try (Connection c = dataSource.getConnection()) {
                if (live) {
                    poller.poll(c);
                } else {
                    poller.start(c);
                    setLive(true, null);
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    setLive(false, e);
                }
            }
            pause(pollInterval);
        }
    }

    /** The polling feed's position in the log: the highest id seen, and the lower ids skipped so far. */
    private final class Poller {
        private long highest;
        /** Skipped ids and when they were first skipped (System.nanoTime). */
        private final TreeMap<Long, Long> gaps = new TreeMap<>();

        /** Starts at the end of the log; ids missing from its last stretch may still commit, so they are gaps. */
        void start(Connection c) throws SQLException {
            gaps.clear();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(notices.maxLogId())) {
                rs.next();
                highest = rs.getLong(1);
            }
            long from = Math.max(0, highest - START_WINDOW);
            long now = System.nanoTime();
            for (long id = from + 1; id <= highest; id++) {
                gaps.put(id, now);
            }
            List<Long> present = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(notices.logSince(0))) {
                ps.setLong(1, from);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        present.add(rs.getLong(1));
                    }
                }
            }
            present.forEach(gaps::remove);
        }

        void poll(Connection c) throws SQLException {
            long now = System.nanoTime();
            gaps.values().removeIf(since -> now - since > commitWindowNanos);
            List<Long> asked = new ArrayList<>();
            Iterator<Long> it = gaps.descendingKeySet().iterator();
            while (it.hasNext() && asked.size() < GAPS_PER_POLL) {
                asked.add(it.next());
            }
            boolean overflow = false;
            try (PreparedStatement ps = c.prepareStatement(notices.logSince(asked.size()))) {
                ps.setLong(1, highest);
                for (int i = 0; i < asked.size(); i++) {
                    ps.setLong(i + 2, asked.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        if (id > highest) {
                            for (long skipped = highest + 1; skipped < id && !overflow; skipped++) {
                                gaps.put(skipped, now);
                                overflow = gaps.size() > MAX_GAPS;
                            }
                            highest = id;
                        } else if (gaps.remove(id) == null) {
                            continue; // seen already
                        }
                        String tenant = rs.getString(2);
                        if ("erasure".equals(rs.getString(4))) {
                            tenantChanged(tenant); // the erased subject's rows were renamed: drop the tenant
                        } else {
                            changed(tenant, rs.getString(3));
                        }
                    }
                }
            }
            if (overflow) {
                // too many ids skipped to follow (an identity that jumps, auto_increment_increment > 1): start afresh
                log.info("ConsentKit change feed skipped more than {} log ids: caches drop everything", MAX_GAPS);
                gaps.clear();
                for (Listener l : listeners) {
                    l.live();
                }
            }
        }
    }

    /** Builds a {@link JdbcChangeFeed}. */
    public static final class Builder {
        private final JdbcConsentStore store;
        private @Nullable Mode mode;
        private Duration pollInterval = Duration.ofMillis(100);
        private Duration commitWindow = Duration.ofSeconds(10);
        private @Nullable DataSource listenerDataSource;

        private Builder(JdbcConsentStore store) {
            this.store = store;
        }

        /**
         * How the feed learns of changes; default {@link Mode#LISTEN} when the store sends notifications
         * ({@link JdbcConsentStore.Builder#notifyChanges}, PostgreSQL only), else {@link Mode#POLL}.
         */
        public Builder mode(Mode mode) {
            this.mode = Checks.notNull(mode, "mode");
            return this;
        }

        /** How often the log is polled ({@link Mode#POLL}); default 100 ms. Positive. */
        public Builder pollInterval(Duration pollInterval) {
            Checks.notNull(pollInterval, "pollInterval");
            Checks.check(!pollInterval.isNegative() && !pollInterval.isZero(), "pollInterval", "must be positive");
            this.pollInterval = pollInterval;
            return this;
        }

        /**
         * How long a skipped log id is asked for again ({@link Mode#POLL}): the longest a write's transaction may
         * take from inserting its log rows to committing and still be seen; default 10 s. Positive.
         */
        public Builder commitWindow(Duration commitWindow) {
            Checks.notNull(commitWindow, "commitWindow");
            Checks.check(!commitWindow.isNegative() && !commitWindow.isZero(), "commitWindow", "must be positive");
            this.commitWindow = commitWindow;
            return this;
        }

        /**
         * Where the feed's connections come from; default the store's DataSource. With {@link Mode#LISTEN} the feed
         * keeps one connection for as long as it runs.
         */
        public Builder listenerDataSource(DataSource dataSource) {
            this.listenerDataSource = Checks.notNull(dataSource, "listenerDataSource");
            return this;
        }

        /**
         * Builds the feed; it starts with its first subscriber.
         *
         * @throws dev.consentkit.core.InvalidConsentRequestException naming {@code mode} for {@link Mode#LISTEN} on a
         *     store that sends no notifications
         */
        public JdbcChangeFeed build() {
            Mode m = mode != null ? mode : store.notifiesChanges() ? Mode.LISTEN : Mode.POLL;
            Checks.check(
                    m == Mode.POLL || store.notifiesChanges(),
                    "mode",
                    "LISTEN needs a PostgreSQL store built with notifyChanges(true)");
            return new JdbcChangeFeed(this, m);
        }
    }
}
