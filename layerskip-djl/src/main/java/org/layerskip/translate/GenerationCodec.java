package org.layerskip.translate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.layerskip.engine.EngineKind;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.FinishReason;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.SpeculationStats;
import org.layerskip.generate.TokenKind;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes a generation request and its result as {@link NDList}s, the only thing a DJL {@code
 * Predictor} passes between a translator and a block.
 *
 * <p>Input list (what {@link GenerationBlock#forward} expects):
 *
 * <ol>
 *   <li>{@code promptIds (1, T)} int64
 *   <li>{@code intOptions (9,)} int64: strategy ordinal, max new tokens, exit layer (0 = default),
 *       draft length d (0 = default), top-k, seed, number of EOS overrides (-1 = the model's EOS),
 *       engine ordinal (-1 = the default), reuse exit states (1 or 0)
 *   <li>{@code floatOptions (3,)} float64: confidence threshold, temperature, top-p
 *   <li>{@code eosIds (k,)} int64 — present only when EOS ids are overridden
 *   <li>{@code stop} (named) int64: stop strings as {@code [n, len_1..len_n, utf8 bytes...]} —
 *       present only when the request has stop strings
 * </ol>
 *
 * <p>Output list: {@code tokenIds (N,)} int64 and {@code stats (14,)} int64: finish reason,
 * strategy, exit layer, d, prompt tokens, prefill ns, decode ns, has-speculation flag, drafted,
 * accepted, verifications, round ns, KV-cache bytes, engine ordinal (-1 = unknown). Every field is an integer, so int64 keeps it
 * exact. A third array {@code kinds (N,)} (named) may follow: the {@link TokenKind} ordinal of each
 * token.
 */
public final class GenerationCodec {

    private static final int INT_OPTIONS = 9;
    private static final int STATS = 14;
    private static final String STOP = "stop";
    private static final String KINDS = "kinds";

    private GenerationCodec() {}

    /**
     * Encodes a prompt and options.
     *
     * @param manager where to create the arrays (the translator context's manager)
     * @param prompt prompt ids
     * @param o options
     * @return the block input
     */
    public static NDList encodeInput(NDManager manager, long[] prompt, GenerationOptions o) {
        List<Long> eos = o.eosTokenIds();
        long[] ints = {
            o.strategy().ordinal(),
            o.maxNewTokens(),
            o.exitLayer(),
            o.numSpeculations(),
            o.topK(),
            o.seed(),
            eos == null ? -1 : eos.size(),
            o.engine() == null ? -1 : o.engine().ordinal(),
            o.reuseExitStates() ? 1 : 0
        };
        double[] floats = {o.confidenceThreshold(), o.temperature(), o.topP()};
        NDList list =
                new NDList(
                        manager.create(prompt, new Shape(1, prompt.length)),
                        manager.create(ints),
                        manager.create(floats));
        if (eos != null) {
            list.add(manager.create(eos.stream().mapToLong(Long::longValue).toArray()));
        }
        return list;
    }

    /**
     * Encodes a prompt, options and stop strings.
     *
     * @param manager where to create the arrays
     * @param prompt prompt ids
     * @param o options
     * @param stops stop strings (none: the same list as without)
     * @return the block input
     */
    public static NDList encodeInput(
            NDManager manager, long[] prompt, GenerationOptions o, List<String> stops) {
        NDList list = encodeInput(manager, prompt, o);
        if (!stops.isEmpty()) {
            List<byte[]> bytes = new ArrayList<>();
            int total = 1 + stops.size();
            for (String s : stops) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                bytes.add(b);
                total += b.length;
            }
            long[] flat = new long[total];
            flat[0] = stops.size();
            int at = 1 + stops.size();
            for (int i = 0; i < bytes.size(); i++) {
                flat[1 + i] = bytes.get(i).length;
                for (byte x : bytes.get(i)) {
                    flat[at++] = x & 0xFF;
                }
            }
            NDArray a = manager.create(flat);
            a.setName(STOP);
            list.add(a);
        }
        return list;
    }

    /**
     * Reads the stop strings of a block input.
     *
     * @param input the block input
     * @return the stop strings, empty when none
     */
    public static List<String> decodeStops(NDList input) {
        NDArray a = named(input, STOP);
        if (a == null) {
            return List.of();
        }
        long[] flat = a.toLongArray();
        if (flat.length == 0 || flat[0] < 0 || flat[0] > StopStrings.MAX_STOPS || flat.length < 1 + flat[0]) {
            throw new IllegalArgumentException("malformed stop-string array");
        }
        int n = (int) flat[0];
        List<String> out = new ArrayList<>();
        int at = 1 + n;
        for (int i = 0; i < n; i++) {
            long len = flat[1 + i];
            if (len < 0 || at + len > flat.length) {
                throw new IllegalArgumentException("malformed stop-string array");
            }
            byte[] b = new byte[(int) len];
            for (int j = 0; j < len; j++) {
                b[j] = (byte) flat[at++];
            }
            out.add(new String(b, StandardCharsets.UTF_8));
        }
        return out;
    }

    /**
     * Encodes a result with the kind of every token.
     *
     * @param manager where to create the arrays
     * @param r the result
     * @param kinds one kind per generated token
     * @return {@code [tokenIds, stats, kinds]}
     */
    public static NDList encodeResult(NDManager manager, GenerationResult r, List<TokenKind> kinds) {
        NDList list = encodeResult(manager, r);
        long[] k = new long[kinds.size()];
        for (int i = 0; i < k.length; i++) {
            k[i] = kinds.get(i).ordinal();
        }
        NDArray a = manager.create(k);
        a.setName(KINDS);
        list.add(a);
        return list;
    }

    /**
     * Reads the token kinds of a block output.
     *
     * @param output the block output
     * @return one kind per token, or null when the output has none
     */
    public static List<TokenKind> decodeKinds(NDList output) {
        NDArray a = named(output, KINDS);
        if (a == null) {
            return null;
        }
        List<TokenKind> out = new ArrayList<>();
        for (long k : a.toLongArray()) {
            out.add(TokenKind.values()[(int) k]);
        }
        return out;
    }

    private static NDArray named(NDList list, String name) {
        for (int i = 2; i < list.size(); i++) {
            if (name.equals(list.get(i).getName())) {
                return list.get(i);
            }
        }
        return null;
    }

    /**
     * Reads the prompt of a block input.
     *
     * @param input the block input
     * @return prompt ids
     * @throws IllegalArgumentException if the list does not have the documented layout
     */
    public static long[] decodePrompt(NDList input) {
        check(input);
        NDArray p = input.get(0);
        if (p.getShape().dimension() != 2 || p.getShape().get(0) != 1) {
            throw new IllegalArgumentException(
                    "promptIds must have shape (1, T), got " + p.getShape());
        }
        return p.toLongArray();
    }

    /**
     * Reads the options of a block input.
     *
     * @param input the block input
     * @return the options
     */
    public static GenerationOptions decodeOptions(NDList input) {
        check(input);
        long[] i = input.get(1).toLongArray();
        double[] f = input.get(2).toDoubleArray();
        if (i.length != INT_OPTIONS || f.length != 3) {
            throw new IllegalArgumentException(
                    "option arrays must have " + INT_OPTIONS + " int64 and 3 float64 values, got "
                            + i.length
                            + " and "
                            + f.length);
        }
        GenerationOptions.Builder b =
                GenerationOptions.builder()
                        .optStrategy(DecodingStrategy.values()[(int) i[0]])
                        .optMaxNewTokens((int) i[1])
                        .optExitLayer((int) i[2])
                        .optNumSpeculations((int) i[3])
                        .optTopK((int) i[4])
                        .optSeed(i[5])
                        .optConfidenceThreshold(f[0])
                        .optTemperature(f[1])
                        .optTopP(f[2])
                        .optEngine(i[7] < 0 ? null : EngineKind.values()[(int) i[7]])
                        .optReuseExitStates(i[8] != 0);
        if (i[6] >= 0) {
            if (input.size() < 4 || input.get(3).size() != i[6]) {
                throw new IllegalArgumentException(
                        "intOptions announce " + i[6] + " EOS ids but the eosIds array is missing");
            }
            List<Long> eos = new ArrayList<>();
            for (long id : input.get(3).toLongArray()) {
                eos.add(id);
            }
            b.optEosTokenIds(eos);
        }
        return b.build();
    }

    /**
     * Encodes a result.
     *
     * @param manager where to create the arrays
     * @param r the result
     * @return {@code [tokenIds, stats]}
     */
    public static NDList encodeResult(NDManager manager, GenerationResult r) {
        SpeculationStats s = r.speculation();
        long[] stats = {
            r.finishReason().ordinal(),
            r.strategy().ordinal(),
            r.exitLayer(),
            r.numSpeculations(),
            r.promptTokens(),
            r.prefillNanos(),
            r.decodeNanos(),
            s == null ? 0 : 1,
            s == null ? 0 : s.drafted(),
            s == null ? 0 : s.accepted(),
            s == null ? 0 : s.verifications(),
            s == null ? 0 : s.roundNanos(),
            r.kvCacheBytes(),
            r.engine() == null ? -1 : r.engine().ordinal()
        };
        return new NDList(manager.create(r.tokenIds()), manager.create(stats));
    }

    /**
     * Decodes a block output.
     *
     * @param output {@code [tokenIds, stats]}
     * @return the result
     */
    public static GenerationResult decodeResult(NDList output) {
        long[] ids = output.get(0).toLongArray();
        long[] s = output.get(1).toLongArray();
        if (s.length != STATS) {
            throw new IllegalArgumentException("stats must have " + STATS + " values, got " + s.length);
        }
        SpeculationStats spec =
                s[7] == 0 ? null : new SpeculationStats(s[8], s[9], s[10], s[11]);
        return new GenerationResult(
                ids,
                FinishReason.values()[(int) s[0]],
                DecodingStrategy.values()[(int) s[1]],
                (int) s[2],
                (int) s[3],
                (int) s[4],
                s[5],
                s[6],
                spec,
                s[12],
                s[13] < 0 ? null : EngineKind.values()[(int) s[13]]);
    }

    private static void check(NDList input) {
        if (input.size() < 3) {
            throw new IllegalArgumentException(
                    "GenerationBlock expects [promptIds, intOptions, floatOptions(, eosIds)], got "
                            + input.size()
                            + " arrays");
        }
    }
}
