package org.layerskip.generate;

import java.util.Locale;

/** How tokens are produced. */
public enum DecodingStrategy {
    /** Every token from the full model. */
    AUTOREGRESSIVE,
    /** Every token from the first E layers and the shared exit head, never verified. */
    EARLY_EXIT,
    /** Draft with the first E layers, verify with the rest (LayerSkip §4.3); exact. */
    SELF_SPECULATIVE;

    /**
     * Parses the command-line spelling ({@code autoregressive}, {@code early-exit}, {@code
     * self-speculative}, underscores allowed).
     *
     * @param s the name
     * @return the strategy
     * @throws IllegalArgumentException for an unknown name
     */
    public static DecodingStrategy parse(String s) {
        String n = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (DecodingStrategy d : values()) {
            if (d.name().equals(n)) {
                return d;
            }
        }
        throw new IllegalArgumentException(
                "unknown strategy '"
                        + s
                        + "' (use autoregressive, early-exit or self-speculative)");
    }

    /**
     * Returns the command-line spelling.
     *
     * @return e.g. {@code self-speculative}
     */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
