package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The project's documents ({@code README.md}, {@code CHANGELOG.md}, {@code docs/*.md}) hold
 * together: every relative link names a file or directory that exists and, where it has an
 * anchor, a heading of that Markdown file (anchors as GitHub derives them from headings); and no
 * document speaks of the project's work items instead of its goals (issue numbers, the brief,
 * sessions).
 */
class DocumentationTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern FENCE = Pattern.compile("(?ms)^\\s*```.*?^\\s*```[^\\n]*$");
    private static final Pattern INLINE_CODE = Pattern.compile("`[^`\\n]*`");
    private static final Pattern LINK = Pattern.compile("\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6}\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern WORK_ITEMS = Pattern.compile(
        "(?i)\\bissues?\\s*#?\\d+|\\bbrief\\b|\\bsessions?\\b|#\\d+\\b(?![0-9a-fx])");

    @Test
    void shouldResolveEveryRelativeLinkOfEveryDocument() throws IOException {
        List<String> broken = new ArrayList<>();
        Map<Path, Set<String>> anchors = new HashMap<>();
        int checked = 0;
        for (Path doc : documents()) {
            Matcher m = LINK.matcher(prose(Files.readString(doc, StandardCharsets.UTF_8)));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("(?i)[a-z][a-z0-9+.-]*:.*")) {
                    continue;                                    // http:, https:, mailto: ...
                }
                checked++;
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
                String where = ROOT.relativize(doc) + ": (" + target + ")";
                if (!Files.exists(resolved)) {
                    broken.add(where + " names no file");
                } else if (anchor != null && resolved.toString().endsWith(".md")
                        && !anchors.computeIfAbsent(resolved, DocumentationTest::anchorsOf).contains(anchor)) {
                    broken.add(where + " names no heading of " + ROOT.relativize(resolved));
                }
            }
        }
        assertTrue(checked > 20, "the documents link to each other; found only " + checked + " relative links");
        assertEquals(List.of(), broken);
    }

    @Test
    void shouldStateGoalsRatherThanWorkItems() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path doc : documents()) {
            String[] lines = Files.readString(doc, StandardCharsets.UTF_8).split("\\n", -1);
            for (int i = 0; i < lines.length; i++) {
                Matcher m = WORK_ITEMS.matcher(lines[i]);
                if (m.find()) {
                    found.add(ROOT.relativize(doc) + ":" + (i + 1) + ": \"" + m.group() + "\"");
                }
            }
        }
        assertEquals(List.of(), found, "say what the goal is, not which issue, brief or session asked for it");
    }

    @Test
    void shouldDeriveAnchorsAsGitHubDoes() {
        Set<String> anchors = anchorsOf("# A/B of the pair (scripts/ab-pair.sh)\n## Zero-GC pipeline (`dev.percpu.x.Y`)\n"
            + "```sh\n# not a heading\n```\n## Limits\n## Limits\n");
        assertEquals(Set.of("ab-of-the-pair-scriptsab-pairsh", "zero-gc-pipeline-devpercpuxy", "limits", "limits-1"),
            anchors);
    }

    private static List<Path> documents() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("CHANGELOG.md")));
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs;
    }

    /** The text outside code blocks and code spans, where links and headings live. */
    private static String prose(String markdown) {
        String text = FENCE.matcher(markdown).replaceAll("");
        return INLINE_CODE.matcher(text).replaceAll("code");
    }

    private static Set<String> anchorsOf(Path markdown) {
        try {
            return anchorsOf(Files.readString(markdown, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, "-1", "-2" on repeats. */
    private static Set<String> anchorsOf(String markdown) {
        String text = FENCE.matcher(markdown).replaceAll("");
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        Matcher m = HEADING.matcher(text);
        while (m.find()) {
            String slug = m.group(1).replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1")
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{N}\\s_-]", "")
                .replace(' ', '-');
            int repeat = seen.merge(slug, 1, Integer::sum) - 1;
            anchors.add(repeat == 0 ? slug : slug + "-" + repeat);
        }
        return anchors;
    }
}
