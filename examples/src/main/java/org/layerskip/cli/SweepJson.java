package org.layerskip.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.layerskip.tasks.TaskMetric;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The JSON object of {@code sweep --json}: the run's settings, the autoregressive baseline, every
 * grid cell, the best cell and where it was recorded ({@code null} without {@code --record}); with
 * {@code --task}, also the suite's quality of autoregressive decoding and of early exit at every E.
 */
final class SweepJson {

    private SweepJson() {}

    static String toJson(
            LoadedModel lm,
            Workload workload,
            int numPrompts,
            Map<String, Measurement> measured,
            List<Integer> exitLayers,
            List<SweepCommand.Cell> cells,
            SweepCommand.Cell best,
            Path recorded) {
        boolean cpu = workload.cpuTiming();
        JsonObject o = new JsonObject();
        o.addProperty("model", lm.given);
        o.addProperty("path", lm.dir.toString());
        o.addProperty("num_layers", lm.numLayers());
        o.addProperty("task", workload.suite == null ? null : workload.suite.name());
        o.addProperty("num_prompts", numPrompts);
        o.addProperty("repeats", workload.repeats);
        o.addProperty("max_new_tokens", workload.maxNewTokens());
        o.addProperty("timing", workload.timing);
        Measurement ar = measured.get("ar");
        JsonObject baseline = measurement(new JsonObject(), ar);
        if (workload.encoded != null) {
            baseline.add(
                    "quality", TaskOption.toJson(TaskOption.score(workload.encoded, ar, ar, lm)));
            JsonArray early = new JsonArray();
            for (int e : exitLayers) {
                Measurement m = measured.get("ee " + e);
                JsonObject r = new JsonObject();
                r.addProperty("exit_layer", e);
                measurement(r, m);
                r.addProperty("speedup", m.speedupOver(ar, cpu));
                Map<TaskMetric, Double> q = TaskOption.score(workload.encoded, m, ar, lm);
                r.add("quality", TaskOption.toJson(q));
                early.add(r);
            }
            o.add("early_exit", early);
        }
        o.add("autoregressive", baseline);
        JsonArray grid = new JsonArray();
        for (SweepCommand.Cell c : cells) {
            grid.add(cell(c));
        }
        o.add("cells", grid);
        o.add("best", cell(best));
        o.addProperty("recorded", recorded == null ? null : recorded.toString());
        return new GsonBuilder().serializeNulls().disableHtmlEscaping().create().toJson(o);
    }

    private static JsonObject cell(SweepCommand.Cell c) {
        JsonObject r = new JsonObject();
        r.addProperty("exit_layer", c.exitLayer());
        r.addProperty("num_speculations", c.numSpeculations());
        r.addProperty("acceptance_rate", c.m().acceptanceRate());
        measurement(r, c.m());
        r.addProperty("speedup", c.speedup());
        r.addProperty("identical_to_autoregressive", c.identical());
        return r;
    }

    /** Adds a measurement's speed fields (the same names as in {@code bench --json}) to r. */
    private static JsonObject measurement(JsonObject r, Measurement m) {
        r.addProperty("tokens_per_second", m.tokensPerSecond());
        r.addProperty("ms_per_token", m.msPerToken());
        r.addProperty("cpu_ms_per_token", m.cpuMsPerToken());
        r.addProperty("num_generated", m.tokens);
        return r;
    }
}
