package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.runtime.PercpuRuntime;
import dev.percpu.runtime.Registration;
import java.util.Locale;
import java.util.Optional;

/**
 * What the set-up a test runs in declares about rseq, and the skip-or-fail
 * policy that follows from it.
 *
 * <p>A set-up declares the registration its threads should get in the
 * environment variable {@value #VARIABLE}: {@code glibc}, {@code own} or
 * {@code none} (see docs/build.md, "Set-ups"). Where it declares one, a test
 * that needs rseq asserts that the calling thread has exactly that
 * registration, and skips only where the declaration is {@code none} (after
 * asserting that the thread indeed has none). Where nothing is declared (a
 * developer's ad-hoc run), such a test skips when the thread has no
 * registration.
 */
public final class RseqAvailability {
    /** Environment variable naming the registration the set-up gives: glibc, own or none. */
    public static final String VARIABLE = "PERCPU_EXPECT_REGISTRATION";

    private RseqAvailability() {
    }

    /** The registration the set-up declares, or empty when it declares none; fails on a value that names none. */
    public static Optional<Registration> expectedRegistration() {
        String value = System.getenv(VARIABLE);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Registration.valueOf(value.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return fail(VARIABLE + "=" + value + " names no registration (glibc, own or none)");
        }
    }

    /**
     * Lets a test that needs rseq go on: asserts the declared registration
     * where there is one, skips where it is (or, undeclared, where the
     * thread has) none.
     */
    public static void requireRseq() {
        Registration actual = PercpuRuntime.registration();
        Optional<Registration> expected = expectedRegistration();
        if (expected.isPresent()) {
            assertEquals(expected.get(), actual, "the set-up declares " + VARIABLE + "=" + expected.get());
        }
        assumeTrue(actual != Registration.NONE, "this set-up gives no rseq registration");
    }
}
