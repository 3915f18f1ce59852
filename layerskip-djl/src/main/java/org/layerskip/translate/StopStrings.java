package org.layerskip.translate;

import java.util.List;

/**
 * Finds the first stop string in text that arrives in pieces (streamed, decoded token by token):
 * {@link #push} returns the text that can be shown now, holding back a tail that might still turn
 * out to begin a stop string; once a stop string is complete, everything from it on is dropped and
 * {@link #matched()} turns true. The text returned in total is the generated text cut before the
 * first stop string to appear (the one whose occurrence ends first; OpenAI's {@code stop}), whether
 * it arrived in one piece or across many: the result never depends on how the text was split.
 *
 * <p>Not thread-safe; one per generated sequence.
 */
public final class StopStrings {

    /** OpenAI accepts at most four stop sequences. */
    public static final int MAX_STOPS = 4;

    private final List<String> stops;
    private final int longest;
    private final StringBuilder held = new StringBuilder();
    private String matchedStop;

    /**
     * Creates a matcher.
     *
     * @param stops the stop strings (possibly none), each non-empty
     * @throws IllegalArgumentException for null, empty strings or more than {@value #MAX_STOPS}
     */
    public StopStrings(List<String> stops) {
        if (stops == null) {
            throw new IllegalArgumentException("stop strings must not be null");
        }
        if (stops.size() > MAX_STOPS) {
            throw new IllegalArgumentException(
                    "at most " + MAX_STOPS + " stop strings, got " + stops.size());
        }
        int max = 0;
        for (String s : stops) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must be non-empty");
            }
            max = Math.max(max, s.length());
        }
        this.stops = List.copyOf(stops);
        this.longest = max;
    }

    /**
     * Adds decoded text.
     *
     * @param fragment the next piece of text
     * @return the text that is now safe to show (no part of it can belong to a stop string); empty
     *     once a stop string matched
     */
    public String push(String fragment) {
        if (matchedStop != null) {
            return "";
        }
        held.append(fragment);
        // The stop that completes first (smallest end; at equal ends the longer one), as if the
        // text were checked character by character: how it was split never matters.
        int first = -1;
        int firstEnd = -1;
        for (String s : stops) {
            int at = held.indexOf(s);
            int end = at + s.length();
            if (at >= 0 && (first < 0 || end < firstEnd || (end == firstEnd && at < first))) {
                first = at;
                firstEnd = end;
                matchedStop = s;
            }
        }
        if (first >= 0) {
            String out = held.substring(0, first);
            held.setLength(0);
            return out;
        }
        int keep = heldBack();
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    /**
     * Returns the text still held back (a tail that began a stop string that never completed); call
     * when the sequence ended for another reason.
     *
     * @return the held text, empty after a match
     */
    public String flush() {
        String out = matchedStop != null ? "" : held.toString();
        held.setLength(0);
        return out;
    }

    /**
     * Returns the stop strings.
     *
     * @return an unmodifiable list
     */
    public List<String> stops() {
        return stops;
    }

    /**
     * Returns whether a stop string appeared.
     *
     * @return true after the first match
     */
    public boolean matched() {
        return matchedStop != null;
    }

    /**
     * Returns the stop string that matched.
     *
     * @return it, or null
     */
    public String matchedStop() {
        return matchedStop;
    }

    /** The longest tail of the held text that is a proper prefix of some stop string. */
    private int heldBack() {
        String h = held.toString();
        int n = h.length();
        for (int k = Math.min(n, longest - 1); k > 0; k--) {
            for (String s : stops) {
                if (k < s.length() && h.regionMatches(n - k, s, 0, k)) {
                    return k;
                }
            }
        }
        return 0;
    }
}
