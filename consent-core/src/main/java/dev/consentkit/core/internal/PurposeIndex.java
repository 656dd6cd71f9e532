package dev.consentkit.core.internal;

import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.PurposeRegistry;
import dev.consentkit.core.UnknownPurposeException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. A manager's declared purposes, looked up by name without parsing, with
 * each current purpose's covering list (itself and its ancestors) computed once.
 */
public final class PurposeIndex {

    private final PurposeRegistry registry;
    private final Map<String, Purpose> byName;
    private final Map<PurposeId, List<PurposeId>> covering;
    private final Map<PurposeId, Set<PurposeId>> coveringOfCovered;
    private final Set<PurposeId> coveringSaleOrShare;

    public PurposeIndex(PurposeRegistry registry) {
        this.registry = registry;
        Map<String, Purpose> names = new LinkedHashMap<>();
        Map<PurposeId, List<PurposeId>> cover = new LinkedHashMap<>();
        for (Purpose p : registry.currentPurposes()) {
            names.put(p.id().value(), p);
            cover.put(p.id(), p.id().selfAndAncestors());
        }
        this.byName = Map.copyOf(names);
        this.covering = Map.copyOf(cover);
        Map<PurposeId, Set<PurposeId>> subtrees = new LinkedHashMap<>();
        Set<PurposeId> saleOrShare = new TreeSet<>();
        for (Purpose p : registry.currentPurposes()) {
            Set<PurposeId> read = new TreeSet<>(cover.get(p.id()));
            for (Purpose q : registry.currentPurposes()) {
                if (p.id().covers(q.id())) {
                    read.addAll(cover.get(q.id()));
                }
            }
            subtrees.put(p.id(), Set.copyOf(read));
            if (p.saleOrShare()) {
                saleOrShare.addAll(cover.get(p.id()));
            }
        }
        this.coveringOfCovered = Map.copyOf(subtrees);
        this.coveringSaleOrShare = Set.copyOf(saleOrShare);
    }

    /**
     * The purposes whose records a write on {@code id} reads: the purpose, its ancestors, and every declared purpose
     * it covers with their ancestors (the direct-marketing objection rule looks at what a grant covers).
     */
    public Set<PurposeId> coveringOfCovered(PurposeId id) {
        Set<PurposeId> read = coveringOfCovered.get(id);
        return read != null ? read : Set.copyOf(id.selfAndAncestors());
    }

    /** Every sale-or-share purpose with its ancestors: what the Global Privacy Control rule reads. */
    public Set<PurposeId> coveringSaleOrShare() {
        return coveringSaleOrShare;
    }

    /** Every declared purpose with every version. */
    public PurposeRegistry registry() {
        return registry;
    }

    /** The current version of the purpose named {@code name}, or null if none is declared by that name. */
    public @Nullable Purpose find(@Nullable String name) {
        return name == null ? null : byName.get(name);
    }

    /**
     * The current version of the purpose named {@code name}.
     *
     * @throws dev.consentkit.core.InvalidConsentRequestException naming {@code purpose} if the name is malformed
     *                                                           (a bad request rather than an unknown purpose)
     * @throws UnknownPurposeException                          if no such purpose is declared
     */
    public Purpose require(@Nullable String name) {
        Purpose p = find(name);
        if (p != null) {
            return p;
        }
        String given = CommandValidator.required(name, "purpose");
        PurposeId.of(given); // a malformed name is invalid input, a well-formed one unknown
        throw new UnknownPurposeException(given);
    }

    /** The current version of {@code id}; {@link UnknownPurposeException} if it is not declared. */
    public Purpose require(PurposeId id) {
        return registry.require(id);
    }

    /** The purpose and its ancestors: the purposes whose records cover {@code id}. */
    public List<PurposeId> cover(PurposeId id) {
        List<PurposeId> cover = covering.get(id);
        return cover != null ? cover : id.selfAndAncestors();
    }
}
