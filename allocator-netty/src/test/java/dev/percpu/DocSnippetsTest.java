package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.netty.PercpuByteBufAllocator;
import dev.percpu.primitives.EventCount;
import dev.percpu.primitives.PerCpuLongArray;
import dev.percpu.primitives.PerCpuResult;
import dev.percpu.runtime.Mode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Java snippets of {@code README.md} and {@code docs/rseq.md}, verbatim
 * between the marker comments {@code // snippet <file>} and {@code // end},
 * plus assertions after them; {@link ApiGuideTest} does the same for
 * {@code docs/api.md}. Change a snippet here and in its document together.
 */
class DocSnippetsTest {
    private static final Pattern FENCED_JAVA = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void shouldHoldEverySnippetOfTheReadmeVerbatim() throws Exception {
        assertVerbatim("README.md", Path.of("..", "README.md"));
    }

    @Test
    void shouldHoldEverySnippetOfTheRseqGuideVerbatim() throws Exception {
        assertVerbatim("rseq.md", Path.of("..", "docs", "rseq.md"));
    }

    /** Each fenced Java block of the document equals, line by line, the next block marked for it here. */
    private static void assertVerbatim(String name, Path document) throws Exception {
        String shownText = Files.readString(document, StandardCharsets.UTF_8);
        String self = Files.readString(Path.of("src", "test", "java", "dev", "percpu", "DocSnippetsTest.java"),
            StandardCharsets.UTF_8);
        List<String> shown = matches(FENCED_JAVA, shownText);
        List<String> tested = matches(
            Pattern.compile("// snippet " + Pattern.quote(name) + "\\n(.*?)\\n\\s*// end", Pattern.DOTALL), self);
        assertTrue(!shown.isEmpty(), name + " shows no Java snippet");
        assertEquals(shown.size(), tested.size(), name + ": one test per snippet");
        for (int i = 0; i < tested.size(); i++) {
            String[] testedLines = tested.get(i).strip().split("\\n");
            String[] shownLines = shown.get(i).strip().split("\\n");
            assertEquals(shownLines.length, testedLines.length, name + ", snippet " + i + ": line count");
            for (int line = 0; line < testedLines.length; line++) {
                assertEquals(shownLines[line].strip(), testedLines[line].strip(),
                    name + ", snippet " + i + ", line " + line);
            }
        }
    }

    private static List<String> matches(Pattern pattern, String text) {
        List<String> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    @Test
    void shouldAllocateAndFreeAsTheReadmeExampleShows() {
        // snippet README.md
        SlabConfig config = SlabConfig.builder()
            .slotSize(4096)                  // bytes per slot, a multiple of 16
            .capacityBytes(256L << 20)       // 256 MiB reserved now, committed as touched
            .build();                        // mode AUTO: rseq where available, else fallback
        try (SlabAllocator slabs = SlabAllocator.create(config)) {
            long address = slabs.allocate();         // PoolExhaustedException when nothing is free
            slabs.free(address);                     // IllegalArgumentException for a foreign address
        }
        // end
    }

    @Test
    void shouldSwitchAServerToPercpuAsTheReadmeNettyLineShows() {
        ServerBootstrap bootstrap = new ServerBootstrap();
        // snippet README.md
        bootstrap.childOption(ChannelOption.ALLOCATOR, PercpuByteBufAllocator.DEFAULT);
        // end
        ByteBufAllocator chosen = (ByteBufAllocator) bootstrap.config().childOptions().get(ChannelOption.ALLOCATOR);
        assertEquals(PercpuByteBufAllocator.DEFAULT, chosen);
    }

    @Test
    void shouldCommitOnlyOnTheTicketsCpuAsTheEventCountSnippetShows() {
        // snippet rseq.md
        EventCount events = EventCount.create(Mode.AUTO);
        PerCpuLongArray values = PerCpuLongArray.create(1);
        int r;
        do {
            long ticket = events.begin();                           // bump this CPU's event counter
            long next = values.get(EventCount.cpuOf(ticket), 0) + 1; // any work; preemption is fine
            r = events.commit(ticket, values, 0, next);             // stores only if still on that CPU
        } while (r != PerCpuResult.OK);                             // and nobody began there since
        // end
        assertEquals(1, values.sum(0), "exactly one commit landed: a refused commit writes nothing");
    }
}
