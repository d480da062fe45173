package dev.percpu.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.percpu.runtime.Mode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The snippets of {@code docs/netty.md}, verbatim between the marker
 * comments, plus assertions after them. Change both together.
 */
class NettyGuideTest {
    @Test
    void shouldHoldEverySnippetOfTheGuideVerbatim() throws Exception {
        String guide = Files.readString(Path.of("..", "docs", "netty.md"), StandardCharsets.UTF_8);
        String self = Files.readString(Path.of("src", "test", "java", "dev", "percpu", "netty", "NettyGuideTest.java"),
            StandardCharsets.UTF_8);
        List<String> inGuide = matches(Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL), guide);
        List<String> here = matches(Pattern.compile("// snippet\\n(.*?)\\n\\s*// end", Pattern.DOTALL), self);
        assertEquals(inGuide.size(), here.size(), "one test per snippet");
        for (int i = 0; i < here.size(); i++) {
            String[] tested = here.get(i).strip().split("\\n");
            String[] shown = inGuide.get(i).strip().split("\\n");
            for (int line = 0; line < tested.length; line++) {
                assertEquals(shown[line].strip(), tested[line].strip(), "snippet " + i + ", line " + line);
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
    void nettyDefault() {
        // snippet
        ByteBufAllocator alloc = PercpuByteBufAllocator.DEFAULT;   // bootstrap.childOption(ChannelOption.ALLOCATOR, alloc)
        ByteBuf buf = alloc.ioBuffer(1024);                        // direct percpu memory, whatever Netty's Unsafe detection says
        buf.writeLong(42);
        buf.release();                                             // from any thread: the block goes back to percpu
        // end
        assertEquals(true, buf.isDirect());
        assertEquals(0, buf.refCnt());
    }

    @Test
    void nettyOwnInstance() {
        long seen;
        // snippet
        try (PercpuByteBufAllocator alloc = PercpuByteBufAllocator.builder()
                .maxMemory("2g")                 // one cap on off-heap memory: every size class + large path
                .handBackAfter(Duration.ofSeconds(5)) // memory unused for 5 s goes back to the kernel
                .build()) {
            ByteBuf buf = alloc.directBuffer(100);
            buf.writeBytes(new byte[5000]);      // grows by doubling, as Netty: to the 8 KiB class, contents moved
            long used = alloc.metric().usedDirectMemory();
            buf.release();
            // end
            seen = used;
            assertEquals(8192, buf.capacity(), "grown to the 8 KiB class");
        }
        assertEquals(true, seen >= 8192);
    }

    @Test
    void codecsTakeTheChannelsAllocator() {
        // snippet
        final class Echo extends ChannelInboundHandlerAdapter {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf in = (ByteBuf) msg;
                ByteBuf reply = ctx.alloc().ioBuffer(in.readableBytes()); // the channel's allocator: percpu when the bootstrap says so
                reply.writeBytes(in);
                in.release();
                ctx.writeAndFlush(reply);                                 // the transport releases it after the write
            }
        }
        // end
        try (PercpuByteBufAllocator alloc = PercpuByteBufAllocator.builder().mode(Mode.FALLBACK).maxMemory(64L << 20)
                .build()) {
            EmbeddedChannel channel = new EmbeddedChannel(new Echo());
            channel.config().setAllocator(alloc);
            channel.writeInbound(Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII));
            ByteBuf reply = channel.readOutbound();
            assertEquals("ping", reply.toString(StandardCharsets.US_ASCII));
            assertEquals(PercpuByteBuf.class, OpenAllocators.percpu(reply).getClass(), "the reply came from percpu");
            assertEquals(alloc.classSize(0), alloc.pooledInUseBytes(), "one block of the smallest class in use");
            reply.release();
            channel.finishAndReleaseAll();
        }
    }
}
