package dev.consentkit.spring.internal;

import dev.consentkit.core.Checkpoint;
import dev.consentkit.core.ConsentManager;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Internal API; may change without notice. Signs a checkpoint every interval on one daemon thread, from one interval
 * after start until stop, and hands each to {@code signed} (the application event publisher). A failed checkpoint is
 * logged and the next one is tried on time.
 */
public final class CheckpointScheduler implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(CheckpointScheduler.class);

    private final ConsentManager manager;
    private final Duration interval;
    private final Consumer<Checkpoint> signed;
    private @Nullable ScheduledExecutorService executor;

    public CheckpointScheduler(ConsentManager manager, Duration interval, Consumer<Checkpoint> signed) {
        this.manager = manager;
        this.interval = interval;
        this.signed = signed;
    }

    /** Signs one checkpoint now and hands it on; what each scheduled run does. */
    public Checkpoint checkpointNow() {
        Checkpoint checkpoint = manager.checkpoint();
        signed.accept(checkpoint);
        return checkpoint;
    }

    private void run() {
        try {
            checkpointNow();
        } catch (RuntimeException e) {
            log.warn("ConsentKit checkpoint of tenant {} failed: {}", manager.tenant(), e.toString());
        }
    }

    /** The interval between checkpoints. */
    public Duration interval() {
        return interval;
    }

    @Override
    public synchronized void start() {
        if (executor != null) {
            return;
        }
        ScheduledExecutorService e = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "consentkit-checkpoint");
            t.setDaemon(true);
            return t;
        });
        long nanos = interval.toNanos();
        e.scheduleAtFixedRate(this::run, nanos, nanos, TimeUnit.NANOSECONDS);
        executor = e;
    }

    @Override
    public synchronized void stop() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return executor != null;
    }
}
