package dev.percpu.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The limits and timeouts on the command line: defaults as documented, sizes
 * with {@code k}/{@code m}, and a clear error naming a bad setting.
 */
class ServerOptionsTest {
    @Test
    void shouldDefaultToTheDocumentedLimits() {
        ServerOptions options = ServerOptions.parse(new String[0]);
        options.validate();
        assertEquals(16, options.maxPipelined);
        assertEquals(1024, options.maxQueued);
        assertEquals(32 << 10, options.writeBufferLow);
        assertEquals(64 << 10, options.writeBufferHigh);
        assertEquals(10_000, options.readTimeoutMs);
        assertEquals(30_000, options.writeTimeoutMs);
        assertEquals(60_000, options.idleTimeoutMs);
    }

    @Test
    void shouldParseEveryLimit() {
        ServerOptions options = ServerOptions.parse(new String[] {"--max-pipelined", "8", "--max-queued", "100",
            "--write-buffer-low", "64k", "--write-buffer-high", "1m", "--read-timeout-ms", "500",
            "--write-timeout-ms", "1500", "--idle-timeout-ms", "2000"});
        options.validate();
        assertEquals(8, options.maxPipelined);
        assertEquals(100, options.maxQueued);
        assertEquals(64 << 10, options.writeBufferLow);
        assertEquals(1 << 20, options.writeBufferHigh);
        assertEquals(500, options.readTimeoutMs);
        assertEquals(1500, options.writeTimeoutMs);
        assertEquals(2000, options.idleTimeoutMs);
    }

    @Test
    void shouldRefuseBadLimitsNamingThem() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
            () -> ServerOptions.parse(new String[] {"--max-pipelined", "0"}));
        assertTrue(zero.getMessage().contains("--max-pipelined"), zero.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
            () -> ServerOptions.parse(new String[] {"--write-buffer-high", "lots"}));
        assertTrue(size.getMessage().contains("--write-buffer-high"), size.getMessage());
        assertThrows(IllegalArgumentException.class,
            () -> ServerOptions.parse(new String[] {"--write-buffer-high", "99999999999k"}));
        ServerOptions inverted = ServerOptions.parse(new String[] {"--write-buffer-low", "2m"});
        IllegalArgumentException marks = assertThrows(IllegalArgumentException.class, inverted::validate);
        assertTrue(marks.getMessage().contains("low water mark"), marks.getMessage());
        ServerOptions fields = new ServerOptions();
        fields.readTimeoutMs = 0;
        IllegalArgumentException timeout = assertThrows(IllegalArgumentException.class, fields::validate);
        assertTrue(timeout.getMessage().contains("readTimeoutMs"), timeout.getMessage());
    }
}
