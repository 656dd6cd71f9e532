package dev.consentkit.examples.preferences;

import dev.consentkit.core.Actor;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.Source;
import dev.consentkit.core.SubjectId;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * Seeds the demo's choices at start-up, before the web server takes requests, once per database: alice and
 * bob subscribed to the newsletter (bob also allowed the ad partner), and 48 more customers of whom two in
 * three subscribed and one in five objected to analytics, so that the newsletter audience has a size worth
 * watching (34 of 50).
 */
@Component
class DemoData implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(DemoData.class);

    private final ConsentManager consents;

    DemoData(ConsentManager consents) {
        this.consents = consents;
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (consents.store().head(consents.tenant(), SubjectId.of("alice")).isPresent()) {
            log.info("Demo data already present");
            return;
        }
        Evidence seed = Evidence.builder()
                .source(Source.IMPORT)
                .collectionPoint("demo-seed")
                .actor(Actor.system("demo-seed"))
                .build();
        List<ConsentCommand> commands = new ArrayList<>();
        commands.add(ConsentCommand.grant("alice", Purposes.NEWSLETTER)
                .evidence(seed)
                .build());
        commands.add(
                ConsentCommand.grant("bob", Purposes.NEWSLETTER).evidence(seed).build());
        commands.add(
                ConsentCommand.grant("bob", Purposes.AD_PARTNER).evidence(seed).build());
        for (int i = 1; i <= 48; i++) {
            String customer = String.format("customer-%03d", i);
            if (i % 3 != 0) {
                commands.add(ConsentCommand.grant(customer, Purposes.NEWSLETTER)
                        .evidence(seed)
                        .build());
            }
            if (i % 5 == 0) {
                commands.add(ConsentCommand.optOut(customer, Purposes.ANALYTICS)
                        .evidence(seed)
                        .build());
            }
        }
        consents.recordAll(commands);
        log.info("Demo data seeded: {} statements", commands.size());
    }
}
