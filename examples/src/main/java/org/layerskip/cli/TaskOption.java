package org.layerskip.cli;

import com.google.gson.JsonObject;

import org.layerskip.tasks.EncodedTask;
import org.layerskip.tasks.TaskMetric;
import org.layerskip.tasks.TaskScores;
import org.layerskip.tasks.TaskSuite;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What {@code --task} needs in the commands: name checks, encoding for a model, quality output. */
final class TaskOption {

    private TaskOption() {}

    /**
     * Returns a usage error for a --task value that is neither a bundled suite nor a file path.
     *
     * @param task the value
     * @return the message, or null when the value may name a suite
     */
    static String usageError(String task) {
        if (task.isBlank()) {
            return "--task: empty task name";
        }
        if (TaskSuite.BUNDLED.contains(task)
                || task.endsWith(".json")
                || task.contains("/")
                || task.contains("\\")) {
            return null;
        }
        return "unknown task '"
                + task
                + "': use one of "
                + String.join(", ", TaskSuite.BUNDLED)
                + ", or the path of a task suite .json file";
    }

    /** Tokenizes a suite for a loaded model. */
    static EncodedTask encode(TaskSuite suite, LoadedModel lm, int maxNewTokens) {
        if (lm.tokenizer == null) {
            throw new IllegalArgumentException(
                    "--task needs a tokenizer.json in " + lm.dir + " (task prompts are text)");
        }
        return EncodedTask.encode(
                suite, lm.tokenizer, maxNewTokens, lm.model.getConfig().maxPositionEmbeddings());
    }

    /** Scores one strategy's first-repeat outputs against the truth and the autoregressive ones. */
    static Map<TaskMetric, Double> score(
            EncodedTask task, Measurement m, Measurement autoregressive, LoadedModel lm) {
        return TaskScores.score(task, m.outputs, autoregressive.outputs, lm.tokenizer);
    }

    /** The metrics as JSON (name to value). */
    static JsonObject toJson(Map<TaskMetric, Double> quality) {
        JsonObject o = new JsonObject();
        quality.forEach((k, v) -> o.addProperty(k.jsonName(), v));
        return o;
    }

    /** Column headers for the metrics, short enough for a table. */
    static List<String> headers(Map<TaskMetric, Double> quality) {
        return quality.keySet().stream().map(TaskOption::shortName).toList();
    }

    /** The metric values formatted for a table. */
    static List<String> cells(Map<TaskMetric, Double> quality) {
        return quality.values().stream().map(v -> String.format(Locale.ROOT, "%.3f", v)).toList();
    }

    static String shortName(TaskMetric m) {
        switch (m) {
            case TOKEN_ACCURACY:
                return "token acc.";
            case FIRST_LINE_EXACT_MATCH:
                return "1st-line EM";
            case AGREEMENT_WITH_AUTOREGRESSIVE:
                return "agree w/ AR";
            default:
                return m.jsonName();
        }
    }
}
