package org.layerskip.train;

import java.util.stream.IntStream;

/**
 * Parses layer selections written as numpy/Python slice strings, as in torchtune's LayerSkip recipe
 * configs ({@code early_exit_loss.layers: "0::4"}, {@code layer_dropout.layers: ":"}); used to pick
 * the layers of LayerSkip's early-exit loss and layer dropout (Elhoushi et al. 2024, eq. 1 and 5).
 *
 * <p>Grammar: a comma-separated list of items; each item is an index {@code i} or a slice {@code
 * start:stop} / {@code start:stop:step}, with Python semantics over {@code range(L)}: omitted
 * bounds default to the ends, negative values count from the end ({@code -1} is L−1), slice bounds
 * are clipped, a negative step walks backwards, step 0 is an error, and a bare index must lie in
 * [−L, L). The result is the <em>union</em> of the items (torchtune turns the spec into a boolean
 * mask), as ascending layer indices without duplicates. Whitespace around items and numbers is
 * ignored.
 *
 * <p>Examples with L = 32: {@code ":"} → 0..31; {@code "0::4"} → 0, 4, …, 28; {@code "1:8:2"} → 1,
 * 3, 5, 7; {@code "-1"} → 31; {@code "3,5,7"} → 3, 5, 7; {@code "0::8,-1"} → 0, 8, 16, 24, 31.
 */
public final class LayerSelection {

    private LayerSelection() {}

    /**
     * Parses a slice spec into ascending, distinct layer indices.
     *
     * @param spec the spec, e.g. {@code "0::4"}
     * @param numLayers L, at least 1
     * @return the selected layers, ascending, non-empty
     * @throws IllegalArgumentException if the spec is null, blank, malformed, has step 0, has an
     *     index outside [−L, L), or selects no layer
     */
    public static int[] parse(String spec, int numLayers) {
        boolean[] mask = mask(spec, numLayers);
        return indices(mask);
    }

    /**
     * Parses a slice spec into a mask of length L (the union of its items).
     *
     * @param spec the spec, e.g. {@code "0::4"}
     * @param numLayers L, at least 1
     * @return a fresh mask of length L with at least one layer set
     * @throws IllegalArgumentException as {@link #parse(String, int)}
     */
    public static boolean[] mask(String spec, int numLayers) {
        if (numLayers < 1) {
            throw new IllegalArgumentException("numLayers (L) must be >= 1, got " + numLayers);
        }
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException(
                    "layer spec must not be empty; use \":\" for all layers");
        }
        boolean[] mask = new boolean[numLayers];
        for (String rawItem : spec.split(",", -1)) {
            String item = rawItem.strip();
            if (item.isEmpty()) {
                throw error(spec, "empty item between commas");
            }
            if (item.indexOf(':') < 0) {
                long index = number(spec, item);
                if (index < -numLayers || index >= numLayers) {
                    throw error(
                            spec,
                            "index "
                                    + index
                                    + " is outside [-"
                                    + numLayers
                                    + ", "
                                    + numLayers
                                    + ")");
                }
                mask[(int) (index < 0 ? index + numLayers : index)] = true;
            } else {
                slice(spec, item, numLayers, mask);
            }
        }
        if (indices(mask).length == 0) {
            throw error(spec, "selects no layer out of " + numLayers);
        }
        return mask;
    }

    /**
     * Converts layer indices into a mask of length L (e.g. to feed {@link
     * EarlyExitLossWeights#normalized(boolean[])}).
     *
     * @param layers the layers, each in [0, L)
     * @param numLayers L, at least 1
     * @return a fresh mask of length L
     * @throws IllegalArgumentException if a layer is out of range
     */
    public static boolean[] toMask(int[] layers, int numLayers) {
        if (numLayers < 1) {
            throw new IllegalArgumentException("numLayers (L) must be >= 1, got " + numLayers);
        }
        boolean[] mask = new boolean[numLayers];
        for (int layer : layers) {
            if (layer < 0 || layer >= numLayers) {
                throw new IllegalArgumentException(
                        "layer " + layer + " is outside [0, " + numLayers + ")");
            }
            mask[layer] = true;
        }
        return mask;
    }

    /** Applies one Python slice {@code start:stop[:step]} over range(L) to the mask. */
    private static void slice(String spec, String item, int numLayers, boolean[] mask) {
        String[] parts = item.split(":", -1);
        if (parts.length > 3) {
            throw error(spec, "slice '" + item + "' has more than two ':'");
        }
        Long start = optNumber(spec, parts[0]);
        Long stop = optNumber(spec, parts[1]);
        Long stepValue = parts.length == 3 ? optNumber(spec, parts[2]) : null;
        long step = stepValue == null ? 1 : stepValue;
        if (step == 0) {
            throw error(spec, "slice step must not be zero");
        }
        long n = numLayers;
        // CPython PySlice_AdjustIndices: defaults, negative wrap, then clipping.
        long lo;
        long hi;
        if (step > 0) {
            lo = start == null ? 0 : clip(start < 0 ? start + n : start, 0, n);
            hi = stop == null ? n : clip(stop < 0 ? stop + n : stop, 0, n);
            for (long l = lo; l < hi; l += step) {
                mask[(int) l] = true;
            }
        } else {
            lo = start == null ? n - 1 : clip(start < 0 ? start + n : start, -1, n - 1);
            hi = stop == null ? -1 : clip(stop < 0 ? stop + n : stop, -1, n - 1);
            for (long l = lo; l > hi; l += step) {
                mask[(int) l] = true;
            }
        }
    }

    private static long clip(long value, long min, long max) {
        return Math.max(min, Math.min(max, value));
    }

    private static Long optNumber(String spec, String text) {
        String stripped = text.strip();
        return stripped.isEmpty() ? null : number(spec, stripped);
    }

    private static long number(String spec, String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw error(spec, "'" + text.strip() + "' is not an integer");
        }
    }

    private static int[] indices(boolean[] mask) {
        return IntStream.range(0, mask.length).filter(l -> mask[l]).toArray();
    }

    private static IllegalArgumentException error(String spec, String why) {
        return new IllegalArgumentException(
                "bad layer spec \""
                        + spec
                        + "\": "
                        + why
                        + " (expected comma-separated indices or start:stop:step slices, e.g."
                        + " \"0::4\", \":\", \"1:8:2\", \"-1\", \"3,5,7\")");
    }
}
