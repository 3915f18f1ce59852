package org.layerskip.tokenizer;

import java.util.SplittableRandom;

/**
 * Seeded random Oniguruma patterns for fuzzing: nested and overlapping quantifiers (the shapes that
 * backtrack catastrophically), alternations, classes, Unicode properties, look-arounds, atomic
 * groups, back-references, anchors, and now and then a syntax error or an absurd repetition.
 */
final class RegexGenerator {

    /** Characters the patterns and the texts share, so that matches (and backtracking) happen. */
    static final String ALPHABET = "aab 1é\n!";

    private static final String[] ATOMS = {
        "a", "b", " ", "1", "é", "\\n", "\\.", "!", "[ab]", "[^a]", "[a-z]", "\\s", "\\S", "\\w",
        "\\d", "\\p{L}", "\\p{N}", ".", "(?i:A)", "\\x{e9}"
    };

    /** Zero-width: Oniguruma rejects a quantifier on them. */
    private static final String[] ANCHORS = {"\\b", "^", "$"};

    private static final String[] QUANTIFIERS = {
        "*", "+", "?", "{2}", "{1,3}", "{2,}", "*?", "+?", "*+", "++", "{0,40}"
    };

    private static final String[] GROUPS = {"(%s)", "(?:%s)", "(?i:%s)", "(?>%s)"};

    private static final String[] LOOKAROUNDS = {"(?=%s)", "(?!%s)"};

    /** Known catastrophic shapes, always among the first cases. */
    static final String[] CATASTROPHIC = {
        "(a+)+$", "(a|a)*$", "(a*)*b", "(\\s*)*x", "(a|aa)+$", "(\\w+\\s?)+$", "(.*a){12}"
    };

    private static final String[] BROKEN = {
        "(a", "[ab", "a{2,1}", "\\p{Nope}", "*a", "a{100000}{100000}", "(?<n>a)\\k<m>", "\\", "a)"
    };

    private final SplittableRandom random;

    RegexGenerator(long seed) {
        random = new SplittableRandom(seed);
    }

    /**
     * Returns the pattern of case {@code i}: the catastrophic shapes first, then random ones.
     *
     * @param i the case number
     * @return a pattern (possibly invalid)
     */
    String pattern(int i) {
        if (i < CATASTROPHIC.length) {
            return CATASTROPHIC[i];
        }
        if (random.nextInt(12) == 0) {
            return BROKEN[random.nextInt(BROKEN.length)];
        }
        return expression(3);
    }

    private String expression(int depth) {
        int parts = 1 + random.nextInt(3);
        StringBuilder sb = new StringBuilder();
        for (int p = 0; p < parts; p++) {
            if (p > 0 && random.nextInt(4) == 0) {
                sb.append('|');
            }
            sb.append(term(depth));
        }
        if (random.nextInt(20) == 0) {
            sb.append("\\1"); // a back-reference (invalid without a group: the library rejects it)
        }
        return sb.toString();
    }

    private String term(int depth) {
        int kind = random.nextInt(10);
        if (kind == 0) {
            return ANCHORS[random.nextInt(ANCHORS.length)];
        }
        if (kind == 1 && depth > 0) {
            return String.format(
                    LOOKAROUNDS[random.nextInt(LOOKAROUNDS.length)], expression(depth - 1));
        }
        String base =
                depth > 0 && kind < 6
                        ? String.format(
                                GROUPS[random.nextInt(GROUPS.length)], expression(depth - 1))
                        : ATOMS[random.nextInt(ATOMS.length)];
        if (random.nextInt(2) == 0) {
            base += QUANTIFIERS[random.nextInt(QUANTIFIERS.length)];
        }
        return base;
    }

    /**
     * Returns texts to encode: a short mixed one and long runs that make backtracking patterns work
     * hard.
     *
     * @param length the length of the long texts
     * @return the texts
     */
    String[] texts(int length) {
        StringBuilder mixed = new StringBuilder();
        for (int k = 0; k < length; k++) {
            mixed.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return new String[] {
            "ab a1 é!", "a".repeat(length) + "b", " ".repeat(length) + "x", mixed.toString()
        };
    }
}
