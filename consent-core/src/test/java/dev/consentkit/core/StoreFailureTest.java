package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.consentkit.core.spi.ConsentStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class StoreFailureTest {

    private final ConsentStoreException failure =
            new ConsentStoreException("append", "connection reset", new java.io.IOException("reset"));
    private final List<AuditEntry> published = new ArrayList<>();
    private ConsentStore store;
    private ConsentManager manager;

    @BeforeEach
    void setUp() {
        store = mock(ConsentStore.class);
        manager = TestFixtures.manager()
                .store(store)
                .listener(published::add)
                .preferences(PreferenceDefinition.of("newsletter.frequency", "weekly", "monthly"))
                .pseudonymKey(TestFixtures.PSEUDONYM_KEY)
                .build();
    }

    @Nested
    class AStoreWhoseAppendFails {

        @BeforeEach
        void failAppend() {
            when(store.inWriteTransaction(eq("append"), any())).thenThrow(failure);
        }

        @Test
        void makesRecordPropagateTheFailureWithoutNotifyingListeners() {
            assertThatThrownBy(() -> manager.record(
                            ConsentCommand.grant("alice", "analytics").build()))
                    .isSameAs(failure);

            assertThat(published).isEmpty();
            verify(store, times(1)).inWriteTransaction(eq("append"), any());
        }

        @Test
        void makesRecordAllPropagateTheFailureWithoutNotifyingListeners() {
            assertThatThrownBy(() -> manager.recordAll(List.of(
                            ConsentCommand.grant("alice", "analytics").build(),
                            ConsentCommand.grant("bob", "analytics").build())))
                    .isInstanceOf(ConsentStoreException.class)
                    .extracting(e -> ((ConsentStoreException) e).operation())
                    .isEqualTo("append");

            assertThat(published).isEmpty();
        }
    }

    @Nested
    class AStoreWhoseWriteTransactionFails {

        @BeforeEach
        void failWrites() {
            when(store.inWriteTransaction(any(), any())).thenThrow(failure);
        }

        @Test
        void makesTheOtherWritesPropagateTheFailureWithoutNotifyingListeners() {
            assertThatThrownBy(() -> manager.setPreference(
                            "alice", "newsletter.frequency", "weekly", Evidence.of(Source.WEB, "prefs")))
                    .isSameAs(failure);
            assertThatThrownBy(() -> manager.applyGlobalPrivacyControl("alice", Evidence.of(Source.WEB, "gpc")))
                    .isSameAs(failure);

            assertThat(published).isEmpty();
        }
    }

    @Test
    void aFailingEraseIsPropagatedWithoutNotifyingListeners() {
        when(store.inWriteTransaction(eq("erase"), any())).thenThrow(failure);

        assertThatThrownBy(() -> manager.erase("alice", "art17-request")).isSameAs(failure);

        assertThat(published).isEmpty();
    }

    @Test
    void aFailingStateReadIsPropagatedByCheck() {
        when(store.state(any(), any()))
                .thenThrow(new ConsentStoreException("state", "timeout", new RuntimeException()));

        assertThatThrownBy(() -> manager.check("alice", "analytics"))
                .isInstanceOf(ConsentStoreException.class)
                .hasMessageContaining("'state'");
        assertThat(published).isEmpty();
    }

    @Test
    void anInvalidCommandNeverReachesTheStore() {
        when(store.inWriteTransaction(any(), any())).thenThrow(failure);

        assertThatThrownBy(() ->
                        manager.record(ConsentCommand.grant("", "analytics").build()))
                .isInstanceOf(InvalidConsentRequestException.class);

        verify(store, times(0)).inWriteTransaction(any(), any());
        assertThat(published).isEmpty();
    }
}
