package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.properties.PercpuProperties;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The loader's choice of library by {@code os.name} and {@code os.arch}. No
 * arm64 JVM runs here: the choice is tested through {@link NativeLibrary#platform},
 * which takes the two properties, and in forked JVMs started with another
 * {@code os.arch}.
 */
class NativeLibraryPlatformTest {
    @ParameterizedTest
    @CsvSource({
        "Linux, amd64, linux-x86_64",
        "Linux, x86_64, linux-x86_64",
        "Linux, aarch64, linux-aarch_64",
        "Linux, arm64, linux-aarch_64",
        "linux, AARCH64, linux-aarch_64",
    })
    void shouldChooseTheLibraryOfTheJvmsPlatform(String osName, String osArch, String platform) {
        assertEquals(platform, NativeLibrary.platform(osName, osArch));
        assertEquals("/META-INF/native/" + platform + "/libpercpu.so", NativeLibrary.resource(platform));
    }

    @ParameterizedTest
    @CsvSource({
        "Linux, x86",
        "Linux, i386",
        "Linux, arm",
        "Linux, riscv64",
        "Linux, ppc64le",
        "Linux, s390x",
        "Mac OS X, aarch64",
        "Windows 11, amd64",
        "FreeBSD, amd64",
    })
    void shouldRefuseAnyOtherPlatformNamingItAndTheSupportedOnes(String osName, String osArch) {
        UnsatisfiedLinkError error = assertThrows(UnsatisfiedLinkError.class,
            () -> NativeLibrary.platform(osName, osArch));
        String message = error.getMessage();
        assertTrue(message.contains("os.name=" + osName) && message.contains("os.arch=" + osArch),
            "names the platform: " + message);
        for (String supported : NativeLibrary.PLATFORMS) {
            assertTrue(message.contains(supported), "names " + supported + ": " + message);
        }
    }

    @Test
    void shouldFailWithTheClearErrorInAJvmOfAnotherPlatform() throws Exception {
        ForkedJvm run = ForkedJvm.run(BridgeProbe.class, List.of("-Dos.arch=riscv64"), Map.of());
        assertNotEquals(0, run.exitCode, run.toString());
        assertTrue(run.output.contains("UnsatisfiedLinkError: percpu has no native library for os.name=Linux, "
            + "os.arch=riscv64; percpu supports linux-x86_64 and linux-aarch_64"), run.toString());
    }

    @Test
    void shouldPickTheArm64LibraryInAJvmThatSaysAarch64() throws Exception {
        // This x86-64 JVM cannot load the arm64 library, but the attempt shows which resource the loader chose.
        ForkedJvm run = ForkedJvm.run(BridgeProbe.class, List.of("-Dos.arch=aarch64"), Map.of());
        assertNotEquals(0, run.exitCode, run.toString());
        String resource = "/META-INF/native/linux-aarch_64/libpercpu.so";
        if (NativeLibrary.class.getResource(resource) == null) { // built with -Dpercpu.aarch64.skip=true
            assertTrue(run.output.contains("resource " + resource + " is missing from the class path"), run.toString());
        } else {
            assertTrue(run.output.contains("could not load percpu's native library " + resource), run.toString());
            assertTrue(run.output.contains("can't load AARCH64 .so"), "the JVM refused an arm64 library: " + run);
            assertTrue(run.output.contains("the library is for another architecture"), "the cause is named: " + run);
            assertFalse(run.output.contains(PercpuProperties.NATIVE_DIR), "no directory can cure it: " + run);
        }
    }
}
