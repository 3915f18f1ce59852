package org.layerskip.tasks;

import org.layerskip.tokenizer.LlamaTokenizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores one strategy's outputs on an {@link EncodedTask}: the suite's metrics against the held-out
 * truth, plus agreement with the model's own autoregressive output (the quality loss of early exit;
 * exactly 1 for greedy self-speculation).
 */
public final class TaskScores {

    private TaskScores() {}

    /**
     * Computes the metrics.
     *
     * @param task the encoded suite
     * @param outputs generated ids per example, in suite order
     * @param autoregressive the full-depth greedy outputs per example (the reference for agreement)
     * @param tokenizer decodes outputs for line-level metrics
     * @return the suite's metrics in its order, then {@link
     *     TaskMetric#AGREEMENT_WITH_AUTOREGRESSIVE} unless the suite lists it; each in [0, 1]
     * @throws IllegalArgumentException if the lists do not have one entry per example
     */
    public static Map<TaskMetric, Double> score(
            EncodedTask task,
            List<long[]> outputs,
            List<long[]> autoregressive,
            LlamaTokenizer tokenizer) {
        int n = task.prompts().size();
        if (outputs.size() != n || autoregressive.size() != n) {
            throw new IllegalArgumentException(
                    "need "
                            + n
                            + " outputs, got "
                            + outputs.size()
                            + " and "
                            + autoregressive.size());
        }
        Map<TaskMetric, Double> out = new LinkedHashMap<>();
        for (TaskMetric m : task.suite().metrics()) {
            out.put(m, metric(m, task, outputs, autoregressive, tokenizer));
        }
        out.computeIfAbsent(
                TaskMetric.AGREEMENT_WITH_AUTOREGRESSIVE,
                m -> metric(m, task, outputs, autoregressive, tokenizer));
        return out;
    }

    private static double metric(
            TaskMetric m,
            EncodedTask task,
            List<long[]> outputs,
            List<long[]> autoregressive,
            LlamaTokenizer tokenizer) {
        List<TaskExample> examples = task.suite().examples();
        switch (m) {
            case TOKEN_ACCURACY:
                return tokenAccuracy(outputs, task.truths());
            case AGREEMENT_WITH_AUTOREGRESSIVE:
                return tokenAccuracy(outputs, autoregressive);
            case FIRST_LINE_EXACT_MATCH:
                int hits = 0;
                for (int i = 0; i < outputs.size(); i++) {
                    String generated = firstLine(tokenizer.decode(outputs.get(i)));
                    String truth = firstLine(examples.get(i).truth());
                    hits += !truth.isEmpty() && generated.equals(truth) ? 1 : 0;
                }
                return (double) hits / outputs.size();
            default:
                throw new IllegalStateException("unhandled metric " + m);
        }
    }

    /**
     * Matching positions over the reference's length, summed over the examples (micro average).
     *
     * @param outputs generated ids per example
     * @param references reference ids per example (a shorter output counts its missing positions as
     *     wrong)
     * @return the accuracy in [0, 1]; 1 when every reference is empty
     */
    public static double tokenAccuracy(List<long[]> outputs, List<long[]> references) {
        long correct = 0;
        long total = 0;
        for (int i = 0; i < outputs.size(); i++) {
            long[] out = outputs.get(i);
            long[] ref = references.get(i);
            for (int j = 0; j < ref.length; j++) {
                if (j < out.length && out[j] == ref[j]) {
                    correct++;
                }
            }
            total += ref.length;
        }
        return total == 0 ? 1.0 : (double) correct / total;
    }

    /**
     * Returns the first line with text: leading line breaks skipped, up to the next line break.
     *
     * @param text the text
     * @return the line without its line break (empty if the text has none with text)
     */
    public static String firstLine(String text) {
        int start = 0;
        while (start < text.length()
                && (text.charAt(start) == '\n' || text.charAt(start) == '\r')) {
            start++;
        }
        int end = text.indexOf('\n', start);
        String line = end < 0 ? text.substring(start) : text.substring(start, end);
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }
}
