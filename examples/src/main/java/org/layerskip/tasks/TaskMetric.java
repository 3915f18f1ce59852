package org.layerskip.tasks;

import java.util.Locale;

/** A quality metric of a task suite, as named in the suite file's {@code "metrics"}. */
public enum TaskMetric {
    /**
     * Greedy continuation vs the held-out truth, position by position: matching tokens over the
     * truth's tokens (at most {@code max_new_tokens} per example), summed over the examples.
     */
    TOKEN_ACCURACY("token_accuracy", true),
    /** The share of examples whose first non-empty generated line equals the truth's first line. */
    FIRST_LINE_EXACT_MATCH("first_line_exact_match", true),
    /**
     * Matching tokens against the model's own autoregressive (full-depth) output, position by
     * position: 1 for autoregressive and for exact self-speculation, below 1 for early exit.
     */
    AGREEMENT_WITH_AUTOREGRESSIVE("agreement_with_autoregressive", false);

    private final String jsonName;
    private final boolean needsTruth;

    TaskMetric(String jsonName, boolean needsTruth) {
        this.jsonName = jsonName;
        this.needsTruth = needsTruth;
    }

    /**
     * Returns the name used in suite files and JSON output.
     *
     * @return e.g. {@code token_accuracy}
     */
    public String jsonName() {
        return jsonName;
    }

    /**
     * Returns whether the metric compares with the examples' {@code truth}.
     *
     * @return true for metrics against the held-out truth
     */
    public boolean needsTruth() {
        return needsTruth;
    }

    /**
     * Parses a metric name.
     *
     * @param name the JSON name
     * @return the metric
     * @throws IllegalArgumentException listing the known names
     */
    public static TaskMetric parse(String name) {
        for (TaskMetric m : values()) {
            if (m.jsonName.equals(name)) {
                return m;
            }
        }
        StringBuilder known = new StringBuilder();
        for (TaskMetric m : values()) {
            known.append(known.length() == 0 ? "" : ", ").append(m.jsonName);
        }
        throw new IllegalArgumentException(
                "unknown metric '"
                        + name
                        + "' (known: "
                        + known.toString().toLowerCase(Locale.ROOT)
                        + ")");
    }
}
