package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A batch's entries reach the log in the order of its commands, whatever the subjects' ids. */
class BatchOrderTest {

    @Test
    void recordAllAppendsEntriesInCommandOrderAcrossSubjects() {
        ConsentManager manager =
                TestFixtures.manager().store(new InMemoryConsentStore()).build();
        List<String> subjects = new ArrayList<>();
        for (int i = 40; i > 0; i--) {
            subjects.add("cust-" + (i * 7919 % 1000));
        }
        List<ConsentCommand> commands = subjects.stream()
                .map(s -> ConsentCommand.grant(s, "analytics").build())
                .toList();

        manager.recordAll(commands);

        List<String> logged = TestFixtures.auditTrail(
                        manager, HistoryQuery.builder().build())
                .stream()
                .map(e -> e.subject().value())
                .toList();
        assertThat(logged).containsExactlyElementsOf(subjects);
    }
}
