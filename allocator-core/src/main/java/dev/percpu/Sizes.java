package dev.percpu;

import org.agrona.SystemUtil;

/**
 * Parses sizes written with an optional {@code k}, {@code m} or {@code g}
 * suffix (powers of 1024, either case: {@code "64k"}, {@code "256m"},
 * {@code "1g"}), with Agrona's {@link SystemUtil#parseSize}, for the
 * builders' {@code String} overloads (public for the builders of other packages).
 */
public final class Sizes {
    private Sizes() {
    }

    /**
     * The size in bytes.
     *
     * @throws IllegalArgumentException naming the setting when the text is not a size
     */
    public static long parse(String setting, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(setting + " must be a size such as 4096, 64k, 256m or 1g, was " + text);
        }
        try {
            return SystemUtil.parseSize(setting, text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(setting + " must be a size such as 4096, 64k, 256m or 1g, was \""
                + text + "\"", e);
        }
    }
}
