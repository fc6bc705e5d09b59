package org.transfer4j.examples.cli;

import java.util.Locale;

/** Small parsing helpers shared by the subcommands. */
final class CliSupport {
    private CliSupport() {
    }

    /**
     * Parses {@code 150} or {@code 150x200} (height x width).
     *
     * @throws IllegalArgumentException naming the bad value
     */
    static int[] parseSize(String text) {
        String[] parts = text.trim().toLowerCase(Locale.ROOT).split("x");
        try {
            if (parts.length == 1) {
                int s = Integer.parseInt(parts[0].trim());
                return new int[] {s, s};
            }
            if (parts.length == 2) {
                return new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("Bad input size '" + text + "'; expected H or HxW, e.g. 150 or 150x200");
    }
}
