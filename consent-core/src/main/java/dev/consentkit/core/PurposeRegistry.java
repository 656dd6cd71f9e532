package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every declared purpose with every version, immutable once built. The highest version of a purpose is
 * its current one; older versions stay so that an auditor can read the text a subject agreed to.
 */
public final class PurposeRegistry {

    private final Map<PurposeId, NavigableMap<Integer, Purpose>> versions;
    private final Map<PurposeId, Purpose> current;

    private PurposeRegistry(Map<PurposeId, NavigableMap<Integer, Purpose>> versions) {
        this.versions = versions;
        Map<PurposeId, Purpose> latest = new TreeMap<>();
        versions.forEach((id, byVersion) -> latest.put(id, byVersion.lastEntry().getValue()));
        this.current = Collections.unmodifiableMap(latest);
    }

    /**
     * A registry of {@code purposes}; several versions of one id may be given. Fails if the same id and
     * version is declared twice with different content.
     *
     * @throws InvalidConsentRequestException naming {@code purposes} for a null collection or element, or an id and
     *                                        version declared twice with different content
     */
    public static PurposeRegistry of(Collection<Purpose> purposes) {
        Map<PurposeId, NavigableMap<Integer, Purpose>> versions = new TreeMap<>();
        for (Purpose p : Checks.notNull(purposes, "purposes")) {
            Checks.notNull(p, "purposes");
            NavigableMap<Integer, Purpose> byVersion = versions.computeIfAbsent(p.id(), id -> new TreeMap<>());
            Purpose previous = byVersion.putIfAbsent(p.version(), p);
            Checks.check(
                    previous == null || previous.equals(p),
                    "purposes",
                    "purpose '" + p.id() + "' version " + p.version() + " is declared twice with different content");
        }
        versions.replaceAll((id, byVersion) -> Collections.unmodifiableNavigableMap(byVersion));
        return new PurposeRegistry(Collections.unmodifiableMap(versions));
    }

    /** The current (highest) version of {@code id}, or empty if it was never declared. */
    public Optional<Purpose> current(PurposeId id) {
        return Optional.ofNullable(current.get(id));
    }

    /** The current version of {@code id}; throws {@link UnknownPurposeException} if it was never declared. */
    public Purpose require(PurposeId id) {
        Purpose p = current.get(id);
        if (p == null) {
            throw new UnknownPurposeException(id.value());
        }
        return p;
    }

    /** One exact version, or empty. */
    public Optional<Purpose> version(PurposeId id, int version) {
        NavigableMap<Integer, Purpose> byVersion = versions.get(id);
        return byVersion == null ? Optional.empty() : Optional.ofNullable(byVersion.get(version));
    }

    /** Every version of {@code id}, oldest first; empty if it was never declared. */
    public List<Purpose> versions(PurposeId id) {
        NavigableMap<Integer, Purpose> byVersion = versions.get(id);
        return byVersion == null ? List.of() : List.copyOf(byVersion.values());
    }

    /** The current version of every purpose, ordered by id. */
    public Collection<Purpose> currentPurposes() {
        return current.values();
    }

    /** Every version of every purpose, ordered by id then version. */
    public List<Purpose> allVersions() {
        List<Purpose> all = new ArrayList<>();
        versions.values().forEach(v -> all.addAll(v.values()));
        return Collections.unmodifiableList(all);
    }

    /** True if {@code id} was declared. */
    public boolean contains(PurposeId id) {
        return current.containsKey(id);
    }
}
