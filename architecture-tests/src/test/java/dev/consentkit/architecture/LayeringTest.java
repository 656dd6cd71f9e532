package dev.consentkit.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The layering of the published modules, checked on their compiled main classes: consent-core needs nothing else
 * of ours, no internal package leaks into a public signature, and Spring stays in consent-spring.
 */
class LayeringTest {

    static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.consentkit");

    @Test
    void importsTheClassesOfEveryPublishedModule() {
        for (String pkg : List.of(
                "dev.consentkit.core",
                "dev.consentkit.jdbc",
                "dev.consentkit.export",
                "dev.consentkit.events",
                "dev.consentkit.kafka",
                "dev.consentkit.rabbitmq",
                "dev.consentkit.webhooks",
                "dev.consentkit.spring",
                "dev.consentkit.cli")) {
            assertFalse(CLASSES.stream().noneMatch(c -> c.getPackageName().equals(pkg)), "no classes in " + pkg);
        }
    }

    @Test
    void coreDependsOnNothingOfOursOutsideCore() {
        noClasses()
                .that()
                .resideInAPackage("dev.consentkit.core..")
                .should()
                .dependOnClassesThat(
                        resideInAPackage("dev.consentkit..").and(not(resideInAPackage("dev.consentkit.core.."))))
                .check(CLASSES);
    }

    @Test
    void springTypesOnlyInConsentSpring() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.consentkit.spring..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.springframework..")
                .check(CLASSES);
    }

    @Test
    void noInternalTypeInAPublicSignature() {
        List<String> leaks = new ArrayList<>(internalTypesInPublicSignatures());
        assertEquals(List.of(), leaks, "internal types in public signatures of public types outside ..internal..");
    }

    /**
     * "owner.member -> internal type" for each internal type named by a public type outside the internal
     * packages: in its superclass and interfaces (with their type arguments), and in the types of its public and
     * protected fields, and the return, parameter and exception types of its public and protected methods and
     * constructors. A type used only inside a body is not a signature and is fine.
     */
    static Set<String> internalTypesInPublicSignatures() {
        Set<String> leaks = new TreeSet<>();
        for (JavaClass c : CLASSES) {
            if (isInternal(c) || !isVisible(c)) {
                continue;
            }
            List<JavaType> supertypes = new ArrayList<>(c.getInterfaces());
            c.getSuperclass().ifPresent(supertypes::add);
            collect(leaks, c.getName() + " supertype", supertypes);
            for (JavaMember m : members(c)) {
                Set<JavaModifier> mods = m.getModifiers();
                if (mods.contains(JavaModifier.SYNTHETIC)
                        || mods.contains(JavaModifier.BRIDGE)
                        || !(mods.contains(JavaModifier.PUBLIC) || mods.contains(JavaModifier.PROTECTED))) {
                    continue;
                }
                List<JavaType> types = new ArrayList<>();
                if (m instanceof JavaField f) {
                    types.add(f.getType());
                } else if (m instanceof JavaCodeUnit u) {
                    types.add(u.getReturnType());
                    types.addAll(u.getParameterTypes());
                    types.addAll(u.getExceptionTypes());
                }
                collect(leaks, c.getName() + "." + m.getName(), types);
            }
        }
        return leaks;
    }

    private static List<JavaMember> members(JavaClass c) {
        List<JavaMember> members = new ArrayList<>();
        members.addAll(c.getFields());
        members.addAll(c.getConstructors());
        members.addAll(c.getMethods());
        return members;
    }

    private static void collect(Set<String> leaks, String where, Collection<? extends JavaType> types) {
        for (JavaType t : types) {
            for (JavaClass raw : t.getAllInvolvedRawTypes()) {
                JavaClass base = raw.isArray() ? raw.getBaseComponentType() : raw;
                if (base.getPackageName().startsWith("dev.consentkit.") && isInternal(base)) {
                    leaks.add(where + " -> " + base.getName());
                }
            }
        }
    }

    private static boolean isInternal(JavaClass c) {
        return (c.getPackageName() + ".").contains(".internal.");
    }

    /** Public, and nested only in public types: a type other modules can name. */
    private static boolean isVisible(JavaClass c) {
        for (JavaClass k = c; k != null; k = k.getEnclosingClass().orElse(null)) {
            if (!k.getModifiers().contains(JavaModifier.PUBLIC)) {
                return false;
            }
        }
        return true;
    }
}
