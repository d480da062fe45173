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
 * {@code dev.percpu} compiles and runs on the module path with no Netty
 * there, sees the API packages (the pools and the statistics export), and
 * cannot compile against the internal engine, bridge, blocks or events; a Netty application module that requires
 * {@code dev.percpu.netty} compiles and runs too, and so does one that requires
 * {@code dev.percpu.metrics} (Micrometer as automatic modules).
 * (Every other test runs on the class path.)
 */
class ModulePathTest {
    private static final String MAIN = String.join("\n",
        "package smoke;",
        "import dev.percpu.SlabAllocator;",
        "import dev.percpu.PoolOptions;",
        "import dev.percpu.SlabConfig;",
        "import dev.percpu.properties.PercpuProperties;",
        "import dev.percpu.runtime.PercpuRuntime;",
        "import dev.percpu.stats.PoolCounters;",
        "public final class Main {",
        "    public static void main(String[] args) {",
        "        try (SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize(64)",
        "                .capacitySlots(1024).options(PoolOptions.builder().build()).build())) {",
        "            long[] batch = new long[16];",
        "            int n = slabs.allocate(batch, 16);",
        "            slabs.free(batch, n);",
        "            slabs.free(slabs.allocate());",
        "            System.out.println(\"inUse=\" + slabs.stats().inUse());",
        "            System.out.println(\"allocatorModule=\" + SlabAllocator.class.getModule().getName());",
        "            System.out.println(\"runtimeModule=\" + PercpuRuntime.class.getModule().getName());",
        "            System.out.println(\"propertiesModule=\" + PercpuProperties.class.getModule().getName());",
        "            System.out.println(\"statsModule=\" + PoolCounters.class.getModule().getName());",
        "            System.out.println(\"mode=\" + slabs.mode() + \" bridge=\" + PercpuRuntime.bridge());",
        "        }",
        "    }",
        "}");

    private static final String NETTY_MAIN = String.join("\n",
        "package smoke;",
        "import dev.percpu.netty.PercpuByteBufAllocator;",
        "import io.netty.buffer.ByteBuf;",
        "public final class Main {",
        "    public static void main(String[] args) {",
        "        try (PercpuByteBufAllocator alloc = PercpuByteBufAllocator.builder().maxMemory(\"64m\").build()) {",
        "            ByteBuf buf = alloc.directBuffer(1000);",
        "            buf.writeLong(42);",
        "            System.out.println(\"read=\" + buf.readLong());",
        "            buf.release();",
        "            System.out.println(\"inUse=\" + alloc.pooledInUseBytes());",
        "            System.out.println(\"nettyModule=\" + PercpuByteBufAllocator.class.getModule().getName());",
        "        }",
        "    }",
        "}");

    private static final String METRICS_MAIN = String.join("\n",
        "package smoke;",
        "import dev.percpu.metrics.PercpuAllocatorMetrics;",
        "import dev.percpu.netty.PercpuByteBufAllocator;",
        "import io.micrometer.core.instrument.simple.SimpleMeterRegistry;",
        "public final class Main {",
        "    public static void main(String[] args) {",
        "        try (PercpuByteBufAllocator alloc = PercpuByteBufAllocator.builder().maxMemory(\"64m\").build()) {",
        "            SimpleMeterRegistry registry = new SimpleMeterRegistry();",
        "            new PercpuAllocatorMetrics(alloc, \"smoke\").bindTo(registry);",
        "            alloc.directBuffer(1000).release();",
        "            System.out.println(\"bound=\" + !registry.getMeters().isEmpty());",
        "            System.out.println(\"metricsModule=\" + PercpuAllocatorMetrics.class.getModule().getName());",
        "        }",
        "    }",
        "}");

    @TempDir
    Path dir;

    @Test
    void shouldRunAnApplicationModuleOnTheModulePath() throws Exception {
        String output = compileAndRun(MAIN, "dev.percpu", corePath());
        assertTrue(output.contains("inUse=0"), output);
        assertTrue(output.contains("allocatorModule=dev.percpu\n"), output);
        assertTrue(output.contains("runtimeModule=dev.percpu.runtime\n"), output);
        assertTrue(output.contains("propertiesModule=dev.percpu.runtime\n"), output);
        assertTrue(output.contains("statsModule=dev.percpu\n"), output);
    }

    @Test
    void shouldRunANettyApplicationModuleOnTheModulePath() throws Exception {
        String output = compileAndRun(NETTY_MAIN, "dev.percpu.netty", nettyPath());
        assertTrue(output.contains("read=42\n"), output);
        assertTrue(output.contains("inUse=0\n"), output);
        assertTrue(output.contains("nettyModule=dev.percpu.netty\n"), output);
    }

    private static String metricsPath() {
        return String.join(File.pathSeparator, nettyPath(), System.getProperty("percpu.metrics.jar"),
            System.getProperty("percpu.micrometer.core.jar"), System.getProperty("percpu.micrometer.commons.jar"),
            System.getProperty("percpu.micrometer.observation.jar"));
    }

    /** Compiles module {@code percpu.smoke} (requiring {@code module}) against {@code path}, runs it, returns its output. */
    private String compileAndRun(String source, String module, String path) throws Exception {
        Path out = dir.resolve("out");
        List<String> errors = compile("smoke.Main", source, out, module, path);
        assertTrue(errors.isEmpty(), "compile errors: " + errors);

        List<String> command = new ArrayList<>(List.of(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=dev.percpu.runtime",
            "--module-path", path + File.pathSeparator + out,
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
        assertFalse(errorOutput.contains("WARNING"), "the JDK warned: " + errorOutput);
        return output;
    }

    @Test
    void shouldRunAMetricsApplicationModuleOnTheModulePath() throws Exception {
        String output = compileAndRun(METRICS_MAIN, "dev.percpu.metrics", metricsPath());
        assertTrue(output.contains("bound=true\n"), output);
        assertTrue(output.contains("metricsModule=dev.percpu.metrics\n"), output);
    }

    @Test
    void shouldNotLetAnApplicationModuleCompileAgainstTheInternalPackages() throws Exception {
        for (String internal : List.of("dev.percpu.engine.IndexPool", "dev.percpu.bridge.Bridges",
                "dev.percpu.blocks.ClassBlocks", "dev.percpu.events.SlowPathEvents")) {
            String source = String.join("\n",
                "package smoke;",
                "public final class Main {",
                "    static final Class<?> INTERNAL = " + internal + ".class;",
                "}");
            List<String> errors = compile("smoke.Main", source, dir.resolve("bad-" + internal), "dev.percpu.netty",
                nettyPath());
            String all = String.join("\n", errors);
            String pkg = internal.substring(0, internal.lastIndexOf('.'));
            assertTrue(all.contains("package " + pkg + " is not visible") || all.contains("does not export " + pkg),
                internal + " should not be accessible, compiler said: " + all);
        }
    }

    /** Core's jars and Agrona: no Netty. */
    private static String corePath() {
        return String.join(File.pathSeparator, System.getProperty("percpu.core.jar"),
            System.getProperty("percpu.native.jar"), System.getProperty("percpu.agrona.jar"));
    }

    private static String nettyPath() {
        return String.join(File.pathSeparator, corePath(), System.getProperty("percpu.netty.jar"),
            System.getProperty("percpu.netty.buffer.jar"), System.getProperty("percpu.netty.common.jar"));
    }

    /** Compiles module {@code percpu.smoke}, requiring {@code module}, with one class; returns the compiler's error lines. */
    private List<String> compile(String className, String source, Path out, String module, String path)
            throws IOException {
        Path src = dir.resolve("src-" + out.getFileName());
        Path file = src.resolve(className.replace('.', '/') + ".java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
        Path descriptor = src.resolve("module-info.java");
        Files.writeString(descriptor, "module percpu.smoke { requires " + module + "; }\n");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, null, diagnostics, "--module-path", path, "-d", out.toString(),
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
