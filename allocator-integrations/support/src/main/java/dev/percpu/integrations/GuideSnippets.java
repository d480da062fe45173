package dev.percpu.integrations;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The recipes' snippets in {@code docs/api.md} (fenced {@code ```java recipe}, which the core
 * module's guide test leaves to these modules) and the code between {@code // snippet} and
 * {@code // end} in a recipe's source, line by line with indentation stripped, for a test to compare.
 */
public final class GuideSnippets {
    private static final Path GUIDE = Path.of("..", "..", "docs", "api.md");
    private static final Pattern RECIPE = Pattern.compile("```java recipe\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern MARKED = Pattern.compile("// snippet\\n(.*?)\\n\\s*// end", Pattern.DOTALL);

    private GuideSnippets() {
    }

    /** The recipe snippets of the guide's section {@code heading} (its "## " line), in order. */
    public static List<List<String>> inGuide(String heading) {
        String guide = read(GUIDE);
        int start = guide.indexOf("\n## " + heading + "\n");
        if (start < 0) {
            throw new IllegalStateException(GUIDE + " has no section " + heading);
        }
        int end = guide.indexOf("\n## ", start + 1);
        return snippets(RECIPE, guide.substring(start, end < 0 ? guide.length() : end));
    }

    /** The marked snippets of a source file, relative to the module's directory, in order. */
    public static List<List<String>> inSource(String file) {
        return snippets(MARKED, read(Path.of(file)));
    }

    private static List<List<String>> snippets(Pattern pattern, String text) {
        List<List<String>> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(Arrays.stream(m.group(1).strip().split("\\n")).map(String::strip).toList());
        }
        return found;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
