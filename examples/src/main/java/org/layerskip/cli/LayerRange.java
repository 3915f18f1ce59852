package org.layerskip.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Parses exit-layer lists: comma-separated items, each a number or an inclusive range {@code a:b} or
 * {@code a:b:step}; {@code L} is the model's depth, so {@code 1:L-1} means every layer that leaves
 * something to verify.
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
        for (String item : spec.split(",")) {
            String[] p = item.trim().split(":");
            if (p.length == 1) {
                out.add(value(p[0], numLayers));
            } else if (p.length == 2 || p.length == 3) {
                int a = value(p[0], numLayers);
                int b = value(p[1], numLayers);
                int step = p.length == 3 ? value(p[2], numLayers) : 1;
                if (step < 1) {
                    throw new NumberFormatException("step must be >= 1 in '" + item.trim() + "'");
                }
                for (int e = a; e <= b; e += step) {
                    out.add(e);
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

    private static int value(String s, int numLayers) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        if (t.startsWith("L")) {
            String rest = t.substring(1).trim();
            if (rest.isEmpty()) {
                return numLayers;
            }
            if (rest.startsWith("-")) {
                return numLayers - Integer.parseInt(rest.substring(1).trim());
            }
            throw new NumberFormatException("'" + s.trim() + "' is not L or L-N");
        }
        return Integer.parseInt(t);
    }
}
