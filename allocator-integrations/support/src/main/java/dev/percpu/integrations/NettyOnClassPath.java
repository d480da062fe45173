package dev.percpu.integrations;

import io.netty.util.Version;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Netty a recipe test runs on: every Netty artifact on the class path at one version, the one
 * its module declares (netty-tcnative, versioned on its own, aside) (system property {@value #EXPECTED_PROPERTY}, the module's {@code netty.version}).
 */
public final class NettyOnClassPath {
    /** System property naming the Netty version the module's build resolved. */
    public static final String EXPECTED_PROPERTY = "percpu.integrations.netty.version";

    private NettyOnClassPath() {
    }

    /**
     * The one version of every Netty artifact on the class path.
     *
     * @throws IllegalStateException if the artifacts disagree, or differ from {@value #EXPECTED_PROPERTY}
     */
    public static String version() {
        Map<String, String> versions = new TreeMap<>();
        for (Map.Entry<String, Version> artifact : Version.identify().entrySet()) {
            if (artifact.getKey().startsWith("netty-tcnative")) {
                continue;
            }
            versions.put(artifact.getKey(), artifact.getValue().artifactVersion());
        }
        String expected = System.getProperty(EXPECTED_PROPERTY);
        if (expected == null || versions.isEmpty() || !versions.values().stream().allMatch(expected::equals)) {
            throw new IllegalStateException("expected every Netty artifact at " + expected + ", found " + versions);
        }
        return expected;
    }
}
