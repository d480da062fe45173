package dev.percpu.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * percpu's jars as named modules: an application module that requires
 * {@code dev.percpu} compiles and runs on the module path, sees the API
 * packages, and cannot compile against the internal engine or bridge.
 * (Every other test runs on the class path.)
 */
class ModulePathTest {
    private static final String MAIN = String.join("\n",
        "package smoke;",
        "import dev.percpu.SlabAllocator;",
        "import dev.percpu.SlabConfig;",
        "import dev.percpu.runtime.PercpuRuntime;",
        "public final class Main {",
        "    public static void main(String[] args) {",
        "        try (SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize(64)",
        "                .capacitySlots(1024).build())) {",
        "            long[] batch = new long[16];",
        "            int n = slabs.allocate(batch, 16);",
        "            slabs.free(batch, n);",
        "            slabs.free(slabs.allocate());",
        "            System.out.println(\"inUse=\" + slabs.stats().inUse());",
        "            System.out.println(\"allocatorModule=\" + SlabAllocator.class.getModule().getName());",
        "            System.out.println(\"runtimeModule=\" + PercpuRuntime.class.getModule().getName());",
        "            System.out.println(\"mode=\" + slabs.mode() + \" bridge=\" + PercpuRuntime.bridge());",
        "        }",
        "    }",
        "}");

    @TempDir
    Path dir;

    @Test
    void shouldRunAnApplicationModuleOnTheModulePath() throws Exception {
        Path out = dir.resolve("out");
        List<String> errors = compile("smoke.Main", MAIN, out);
        assertTrue(errors.isEmpty(), "compile errors: " + errors);

        List<String> command = new ArrayList<>(List.of(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=dev.percpu.runtime",
            "--module-path", modulePath() + File.pathSeparator + out,
            "-m", "percpu.smoke/smoke.Main"));
        Process process = new ProcessBuilder(command).start();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Thread errPump = new Thread(() -> copy(process.getErrorStream(), stderr));
        errPump.start();
        copy(process.getInputStream(), stdout);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the module-path JVM did not finish");
        errPump.join();
        String output = stdout.toString(StandardCharsets.UTF_8);
        String errorOutput = stderr.toString(StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), output + errorOutput);
        assertTrue(output.contains("inUse=0"), output);
        assertTrue(output.contains("allocatorModule=dev.percpu\n"), output);
        assertTrue(output.contains("runtimeModule=dev.percpu.runtime\n"), output);
        assertFalse(errorOutput.contains("WARNING"), "the JDK warned: " + errorOutput);
    }

    @Test
    void shouldNotLetAnApplicationModuleCompileAgainstTheEngineOrTheBridge() throws Exception {
        for (String internal : List.of("dev.percpu.engine.IndexPool", "dev.percpu.bridge.Bridges")) {
            String source = String.join("\n",
                "package smoke;",
                "public final class Main {",
                "    static final Class<?> INTERNAL = " + internal + ".class;",
                "}");
            List<String> errors = compile("smoke.Main", source, dir.resolve("bad-" + internal));
            String all = String.join("\n", errors);
            String pkg = internal.substring(0, internal.lastIndexOf('.'));
            assertTrue(all.contains("package " + pkg + " is not visible") || all.contains("does not export " + pkg),
                internal + " should not be accessible, compiler said: " + all);
        }
    }

    private static String modulePath() {
        return String.join(File.pathSeparator, System.getProperty("percpu.core.jar"),
            System.getProperty("percpu.native.jar"), System.getProperty("percpu.agrona.jar"));
    }

    /** Compiles module {@code percpu.smoke} with one class; returns the compiler's error lines. */
    private List<String> compile(String className, String source, Path out) throws IOException {
        Path src = dir.resolve("src-" + out.getFileName());
        Path file = src.resolve(className.replace('.', '/') + ".java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
        Path descriptor = src.resolve("module-info.java");
        Files.writeString(descriptor, "module percpu.smoke { requires dev.percpu; }\n");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, null, diagnostics, "--module-path", modulePath(), "-d", out.toString(),
            descriptor.toString(), file.toString());
        List<String> errors = new ArrayList<>();
        if (rc != 0) {
            errors.addAll(diagnostics.toString(StandardCharsets.UTF_8).lines().toList());
        }
        return errors;
    }

    private static void copy(java.io.InputStream in, ByteArrayOutputStream sink) {
        try (in) {
            in.transferTo(sink);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
