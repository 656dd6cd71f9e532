package dev.consentkit.cli;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.HistoryQuery;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(
        name = "stats",
        mixinStandardHelpOptions = true,
        description = {
            "Count entries by kind and consent records by purpose and status.",
            "One streamed pass over the log (filters apply)."
        })
final class StatsCommand implements java.util.concurrent.Callable<Integer> {

    @CommandLine.Mixin
    ConsentCli.Database database;

    @CommandLine.Mixin
    ConsentCli.Filters filters;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ConsentManager consents = database.open();
        Map<String, Long> kinds = new TreeMap<>();
        Map<String, Map<String, Long>> byPurpose = new TreeMap<>();
        HistoryQuery query = filters.query();
        try (Stream<AuditEntry> entries = consents.auditTrail(query)) {
            for (Iterator<AuditEntry> it = entries.iterator(); it.hasNext(); ) {
                AuditEntry e = it.next();
                kinds.merge(e.getClass().getSimpleName(), 1L, Long::sum);
                if (e instanceof ConsentRecord r) {
                    byPurpose
                            .computeIfAbsent(r.purpose().value(), p -> new TreeMap<>())
                            .merge(r.status().name(), 1L, Long::sum);
                }
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("tenant " + consents.tenant() + ": "
                + consents.purposes().currentPurposes().size() + " purposes");
        kinds.forEach((kind, n) -> out.println("  " + kind + ": " + n));
        byPurpose.forEach((purpose, statuses) -> out.println("  " + purpose + " " + statuses));
        out.flush();
        return 0;
    }
}
