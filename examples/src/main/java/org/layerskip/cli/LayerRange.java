package org.layerskip.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Parses exit-layer lists: comma-separated items, each a number or an inclusive range {@code a:b}
 * or {@code a:b:step}; {@code L} is the model's depth, so {@code 1:L-1} means every layer that
 * leaves something to verify.
 */
final class LayerRange {

    private LayerRange() {}

    /**
     * Parses a list.
     *
     * @param spec e.g. {@code 1:L-1}, {@code 2,4,6} or {@code 1:7:2}
     * @param numLayers L
     * @return the layers, ascending, without duplicates
     * @throws NumberFormatException for malformed text
     */
    static List<Integer> parse(String spec, int numLayers) {
        TreeSet<Integer> out = new TreeSet<>();
        for (String item : spec.split(",", -1)) {
            if (item.isBlank()) {
                throw new NumberFormatException("'" + spec + "' has an empty item");
            }
            String[] p = item.trim().split(":", -1);
            if (p.length == 1) {
                out.add(layer(p[0], item, numLayers));
            } else if (p.length == 2 || p.length == 3) {
                // bounds are checked before the range is expanded: 1:2147483647 must not loop
                int a = layer(p[0], item, numLayers);
                int b = layer(p[1], item, numLayers);
                int step = p.length == 3 ? value(p[2], item, numLayers) : 1;
                if (step < 1) {
                    throw new NumberFormatException("step must be >= 1 in '" + item.trim() + "'");
                }
                for (long e = a; e <= b; e += step) {
                    out.add((int) e);
                }
            } else {
                throw new NumberFormatException("'" + item.trim() + "' is not N, A:B or A:B:STEP");
            }
        }
        if (out.isEmpty()) {
            throw new NumberFormatException("'" + spec + "' selects no layer");
        }
        return new ArrayList<>(out);
    }

    /** A layer number, which must lie in [1, numLayers]. */
    private static int layer(String s, String item, int numLayers) {
        int v = value(s, item, numLayers);
        if (v < 1 || v > numLayers) {
            throw new NumberFormatException(
                    v
                            + " in '"
                            + item.trim()
                            + "' is outside [1, "
                            + numLayers
                            + "] for this "
                            + numLayers
                            + "-layer model");
        }
        return v;
    }

    private static int value(String s, String item, int numLayers) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        if (t.isEmpty()) {
            throw new NumberFormatException("'" + item.trim() + "' has an empty bound");
        }
        if (t.startsWith("L")) {
            String rest = t.substring(1).trim();
            if (rest.isEmpty()) {
                return numLayers;
            }
            if (rest.startsWith("-")) {
                return numLayers - number(rest.substring(1).trim());
            }
            throw new NumberFormatException("'" + s.trim() + "' is not L or L-N");
        }
        return number(t);
    }

    private static int number(String t) {
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            throw new NumberFormatException("'" + t + "' is not a layer number");
        }
    }
}
