package dev.percpu.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@link PercpuProperties} is the whole list: docs/api.md's table holds exactly its entries, with the same
 * kinds, values, defaults and readers; the main code of every module reads no other name and reads each
 * through the class; every entry is read somewhere.
 */
class PercpuPropertiesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String HEADING = "## System properties and environment variables";
    /** Facts of the JVM, not settings: read to pick the native library or to write a message. */
    private static final Set<String> JVM_FACTS = Set.of("os.name", "os.arch", "sun.arch.data.model", "java.version",
        "java.vm.name", "java.class.path", "java.home");
    /** Folders whose code is left out of the list, as the table's lead says. */
    private static final Set<String> NOT_LISTED = Set.of("allocator-benchmarks");
    private static final Pattern JAVA_READ = Pattern.compile(
        "\\b(?:System\\.getProperty|System\\.getenv|Boolean\\.getBoolean|Integer\\.getInteger|Long\\.getLong)\\s*\\(\\s*([^,)]*)");
    private static final Pattern C_READ = Pattern.compile("\\bgetenv\\s*\\(\\s*\"([^\"]+)\"");

    @Test
    void shouldMatchTheTableOfTheApiGuideEntryForEntry() throws IOException {
        List<String> table = tableRows();
        List<String> expected = new ArrayList<>();
        for (PercpuProperties.Entry e : PercpuProperties.entries()) {
            String defaultCell = e.literalDefault() ? "`" + e.defaultValue() + "`" : e.defaultValue();
            expected.add("`" + e.name() + "` | " + e.kind().label + " | " + e.values() + " | " + defaultCell + " | "
                + e.readBy());
        }
        assertEquals(expected, table, "docs/api.md's table: name | kind | values | default | read by (what it does)");
    }

    @Test
    void shouldHoldOneConstantPerEntry() throws IllegalAccessException {
        List<String> constants = new ArrayList<>();
        for (Field f : PercpuProperties.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                constants.add((String) f.get(null));
            }
        }
        List<String> names = PercpuProperties.entries().stream().map(PercpuProperties.Entry::name)
            .collect(Collectors.toList());
        assertEquals(new TreeSet<>(names), new TreeSet<>(constants));
        assertEquals(names.size(), new TreeSet<>(names).size(), "no name twice");
    }

    @Test
    void shouldBeTheOnlyReaderOfPercpuNamesInMainCode() throws IOException {
        List<String> direct = new ArrayList<>();
        int javaFiles = 0;
        for (Path file : mainSources(".java")) {
            if (file.endsWith(Path.of("dev", "percpu", "properties", "PercpuProperties.java"))) {
                continue;
            }
            javaFiles++;
            Matcher m = JAVA_READ.matcher(Files.readString(file, StandardCharsets.UTF_8));
            while (m.find()) {
                String argument = m.group(1).trim();
                boolean fact = argument.startsWith("\"") && JVM_FACTS.contains(argument.replace("\"", ""));
                if (!fact) {
                    direct.add(ROOT.relativize(file) + ": " + m.group().trim());
                }
            }
        }
        assertTrue(javaFiles > 100, "found only " + javaFiles + " main Java files under " + ROOT);
        assertEquals(List.of(), direct, "read percpu's names through PercpuProperties.property/environment");
    }

    @Test
    void shouldListEveryVariableTheNativeLibraryReads() throws IOException {
        Set<String> readInC = new TreeSet<>();
        for (Path file : mainSources(".c", ".h")) {
            Matcher m = C_READ.matcher(Files.readString(file, StandardCharsets.UTF_8));
            while (m.find()) {
                readInC.add(m.group(1));
            }
        }
        Set<String> listedForC = PercpuProperties.entries().stream().filter(e -> e.readBy().contains("libpercpu.so"))
            .map(PercpuProperties.Entry::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(listedForC, readInC);
        assertTrue(listedForC.stream().allMatch(name -> PercpuProperties.entries().stream()
            .anyMatch(e -> e.name().equals(name) && e.kind() == PercpuProperties.Kind.ENVIRONMENT_VARIABLE)));
    }

    @Test
    void shouldHaveEveryJavaEntryReadSomewhere() throws IOException, IllegalAccessException {
        StringBuilder code = new StringBuilder();
        for (Path file : mainSources(".java")) {
            if (!file.endsWith(Path.of("dev", "percpu", "properties", "PercpuProperties.java"))) {
                code.append(Files.readString(file, StandardCharsets.UTF_8));
            }
        }
        List<String> unread = new ArrayList<>();
        for (Field f : PercpuProperties.class.getFields()) {
            String name = (String) f.get(null);
            boolean c = PercpuProperties.entries().stream()
                .anyMatch(e -> e.name().equals(name) && e.readBy().contains("libpercpu.so"));
            if (!c && !code.toString().contains("PercpuProperties." + f.getName())) {
                unread.add(name);
            }
        }
        assertEquals(List.of(), unread, "entries no main code reads");
    }

    @Test
    void shouldReturnTheTrimmedValueOrTheDefault() {
        String name = PercpuProperties.DEBUG_STACK_TRACES;
        String saved = System.getProperty(name);
        try {
            System.clearProperty(name);
            assertEquals("0", PercpuProperties.property(name));
            System.setProperty(name, "  ");
            assertEquals("0", PercpuProperties.property(name), "blank is unset");
            System.setProperty(name, " 7 ");
            assertEquals("7", PercpuProperties.property(name));
        } finally {
            restore(name, saved);
        }
        if (System.getProperty(PercpuProperties.NATIVE_DIR) == null) {
            assertNull(PercpuProperties.property(PercpuProperties.NATIVE_DIR), "no value for a default that is none");
        }
    }

    @Test
    void shouldRefuseNamesItDoesNotList() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
            () -> PercpuProperties.property("percpu.unknown"));
        assertTrue(unknown.getMessage().contains("percpu.unknown"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PercpuProperties.property(PercpuProperties.RSEQ));
        assertThrows(IllegalArgumentException.class, () -> PercpuProperties.environment(PercpuProperties.MODE));
    }

    /** The table's rows as {@code name | kind | values | default | read by}, without the "what it does" column. */
    private static List<String> tableRows() throws IOException {
        String guide = Files.readString(ROOT.resolve(Path.of("docs", "api.md")), StandardCharsets.UTF_8);
        int start = guide.indexOf("\n" + HEADING + "\n");
        assertTrue(start >= 0, "docs/api.md has a section \"" + HEADING + "\"");
        int end = guide.indexOf("\n## ", start + 1);
        String section = guide.substring(start, end < 0 ? guide.length() : end);
        List<String> rows = new ArrayList<>();
        for (String line : section.split("\n")) {
            if (line.startsWith("| `")) {
                String[] cells = line.substring(1, line.length() - 1).split("\\|");
                assertEquals(6, cells.length, "six cells: " + line);
                rows.add(cells[0].trim() + " | " + cells[1].trim() + " | " + cells[2].trim() + " | " + cells[3].trim()
                    + " | " + cells[5].trim());
            }
        }
        return rows;
    }

    private static List<Path> mainSources(String... suffixes) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path module : modules.filter(Files::isDirectory).collect(Collectors.toList())) {
                Path main = module.resolve(Path.of("src", "main"));
                if (NOT_LISTED.contains(module.getFileName().toString()) || !Files.isDirectory(main)) {
                    continue;
                }
                try (Stream<Path> walk = Files.walk(main)) {
                    walk.filter(p -> Stream.of(suffixes).anyMatch(s -> p.toString().endsWith(s))).forEach(files::add);
                }
            }
        }
        return files;
    }

    private static void restore(String name, String value) {
        if (value == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, value);
        }
    }
}
