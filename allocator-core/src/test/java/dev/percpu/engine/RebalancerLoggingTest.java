package dev.percpu.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * An error of the rebalancer thread (the handler its AgentRunner calls) goes
 * to the {@link System.Logger} {@value Rebalancer#LOGGER} at ERROR, with the
 * error attached, and nothing is printed to {@code System.err}. The JDK's
 * default logger finder hands System.Logger records to java.util.logging,
 * where a handler catches them.
 */
class RebalancerLoggingTest {
    @Test
    void shouldLogARebalancerErrorNotPrintIt() {
        Logger jul = Logger.getLogger(Rebalancer.LOGGER);
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        boolean useParent = jul.getUseParentHandlers();
        jul.addHandler(capture);
        jul.setUseParentHandlers(false);
        PrintStream err = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        IllegalStateException error = new IllegalStateException("a failed round");
        try {
            System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
            Rebalancer.reportError(error);
        } finally {
            System.setErr(err);
            jul.removeHandler(capture);
            jul.setUseParentHandlers(useParent);
        }
        assertEquals(1, records.size(), "one record: " + records);
        assertEquals(Level.SEVERE, records.get(0).getLevel(), "System.Logger ERROR is JUL SEVERE");
        assertSame(error, records.get(0).getThrown());
        assertEquals("", printed.toString(StandardCharsets.UTF_8), "nothing printed to System.err");
    }
}
