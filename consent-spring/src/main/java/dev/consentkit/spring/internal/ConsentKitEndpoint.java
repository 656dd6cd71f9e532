package dev.consentkit.spring.internal;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.VerificationReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The actuator endpoint {@code consentkit}: reading shows the tenant, the store, the declared purposes, the
 * records this instance committed since start-up and the last chain verification; writing (POST) verifies every
 * chain of the tenant now and shows the result. Internal API; may change without notice.
 */
@Endpoint(id = "consentkit")
public final class ConsentKitEndpoint {

    private final ConsentManager consents;
    private final RecordTally tally;
    private volatile @Nullable Map<String, Object> lastVerification;

    public ConsentKitEndpoint(ConsentManager consents, RecordTally tally) {
        this.consents = consents;
        this.tally = tally;
    }

    /** The overview. */
    @ReadOperation
    public Map<String, Object> overview() {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("tenant", consents.tenant());
        result.put("store", consents.store().getClass().getSimpleName());
        List<Map<String, Object>> purposes = new ArrayList<>();
        for (Purpose p : consents.purposes().currentPurposes()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", p.id().value());
            m.put("version", p.version());
            m.put("basis", p.basis().name());
            m.put("saleOrShare", p.saleOrShare());
            m.put("directMarketing", p.directMarketing());
            p.validity().ifPresent(v -> m.put("validity", v.toString()));
            purposes.add(m);
        }
        result.put("purposes", purposes);
        result.put("recordsSinceStartup", tally.snapshot());
        Map<String, Object> last = lastVerification;
        result.put("lastVerification", last == null ? "never" : last);
        return result;
    }

    /** Verifies every chain of the tenant now; may take long on a large log. */
    @WriteOperation
    public Map<String, Object> verify() {
        Instant started = consents.clock().instant();
        VerificationReport report = consents.verify();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("at", started.toString());
        result.put("intact", report.intact());
        result.put("recordsChecked", report.recordsChecked());
        result.put("subjectsChecked", report.subjectsChecked());
        result.put("brokenChains", report.brokenChains().size());
        List<Map<String, Object>> broken = new ArrayList<>();
        for (VerificationReport.BrokenChain c : report.brokenChains()) {
            Map<String, Object> m = new LinkedHashMap<>();
            // record ids and sequence numbers only: no subject ids in an operations endpoint
            c.firstBadRecord().ifPresent(id -> m.put("firstBadRecord", id.toString()));
            m.put("sequence", c.sequence());
            m.put("problem", c.problem().name());
            broken.add(m);
        }
        result.put("firstProblems", broken.subList(0, Math.min(broken.size(), 20)));
        lastVerification = result;
        return result;
    }
}
