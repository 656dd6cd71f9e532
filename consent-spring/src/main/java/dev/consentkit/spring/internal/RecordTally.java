package dev.consentkit.spring.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.spi.ConsentListener;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the consent records this application instance committed since it started, by purpose and status, for
 * the actuator endpoint. Internal API; may change without notice.
 */
public final class RecordTally implements ConsentListener {

    private final ConcurrentMap<String, ConcurrentMap<String, LongAdder>> counts = new ConcurrentHashMap<>();

    @Override
    public void onCommitted(AuditEntry entry) {
        if (entry instanceof ConsentRecord r) {
            counts.computeIfAbsent(r.purpose().value(), p -> new ConcurrentHashMap<>())
                    .computeIfAbsent(r.status().name(), s -> new LongAdder())
                    .increment();
        }
    }

    /** Purpose → status → count, sorted. */
    public Map<String, Map<String, Long>> snapshot() {
        Map<String, Map<String, Long>> result = new TreeMap<>();
        counts.forEach((purpose, byStatus) -> {
            Map<String, Long> m = new TreeMap<>();
            byStatus.forEach((status, n) -> m.put(status, n.sum()));
            result.put(purpose, m);
        });
        return result;
    }
}
