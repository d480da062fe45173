package dev.percpu.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No example imports another: each example package ({@code server}, {@code pipeline},
 * {@code stats}, {@code load}, and the demo in the root package) imports from
 * {@code dev.percpu.examples} only its own package and {@code shared}; {@code shared} imports
 * none of them. {@link Main}, the launcher of every command, is the one exception.
 */
class ExampleIndependenceTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/percpu/examples");
    private static final Pattern IMPORT = Pattern.compile("(?m)^import\\s+(?:static\\s+)?dev\\.percpu\\.examples\\.(\\w+)");

    @Test
    void noExampleImportsAnother() throws IOException {
        List<String> found = new ArrayList<>();
        int files = 0;
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            for (Path file : (Iterable<Path>) walk.filter(p -> p.toString().endsWith(".java"))::iterator) {
                Path relative = SOURCES.relativize(file);
                if (relative.toString().equals("Main.java")) {
                    continue;
                }
                files++;
                String own = relative.getNameCount() > 1 ? relative.getName(0).toString() : "";
                Matcher m = IMPORT.matcher(Files.readString(file, StandardCharsets.UTF_8));
                while (m.find()) {
                    // A capitalised first name is a class of the root package (the demo's).
                    String imported = Character.isUpperCase(m.group(1).charAt(0)) ? "" : m.group(1);
                    boolean allowed = imported.equals(own) || imported.equals("shared") && !own.equals("shared");
                    if (!allowed) {
                        found.add(relative + " imports dev.percpu.examples." + m.group(1));
                    }
                }
            }
        }
        assertTrue(files > 10, "found only " + files + " source files under " + SOURCES.toAbsolutePath());
        assertEquals(List.of(), found);
    }
}
