package org.layerskip.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.Generator;
import org.layerskip.tasks.TaskMetric;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code layerskip bench}: autoregressive vs early exit vs self-speculative, greedy, on the same
 * prompts. The "self-speculative (recompute)" row verifies without the exit-state (KVQ) cache,
 * recomputing layers {@code 0..E-1} for every draft, to measure what the reuse buys. With {@code
 * --task} the prompts are a task suite's, every row also reports the suite's quality metrics and
 * agreement with autoregressive decoding, and E and d default to those recorded for the task.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Compare autoregressive, early-exit and self-speculative greedy decoding.")
final class BenchCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin ModelOptions modelOptions;

    @Mixin Workload workload;

    @Option(names = "--exit-layer", paramLabel = "E",
            description = "Exit layer (default: layerskip.json in the model folder, else L/4).")
    Integer exitLayer;

    @Option(names = "--num-speculations", paramLabel = "D",
            description = "Draft tokens per verification (default: layerskip.json, else 4).")
    Integer numSpeculations;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        SamplingChecks.numSpeculations(spec, numSpeculations);
        String m = workload.check();
        SamplingChecks.require(spec, m == null, m);
        m = modelOptions.check();
        SamplingChecks.require(spec, m == null, m);
        workload.loadTask();
        try (LoadedModel lm = modelOptions.load()) {
            lm.checkExitLayer(exitLayer, true);
            List<long[]> prompts = workload.prompts(lm);
            Generator gen = lm.generator(workload.suite == null ? null : workload.suite.name());
            GenerationOptions.Builder base =
                    GenerationOptions.builder()
                            .optMaxNewTokens(workload.maxNewTokens())
                            .optExitLayer(exitLayer == null ? 0 : exitLayer)
                            .optNumSpeculations(numSpeculations == null ? 0 : numSpeculations);
            if (workload.ignoreEos) {
                base.optEosTokenIds(List.of());
            }
            Map<String, GenerationOptions> rows = new LinkedHashMap<>();
            rows.put("autoregressive", base.optStrategy(DecodingStrategy.AUTOREGRESSIVE).build());
            rows.put("early-exit", base.optStrategy(DecodingStrategy.EARLY_EXIT).build());
            rows.put("self-speculative", base.optStrategy(DecodingStrategy.SELF_SPECULATIVE).build());
            rows.put(
                    "self-speculative (recompute)",
                    base.optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                            .optReuseExitStates(false)
                            .build());

            long runs = (long) rows.size() * (workload.warmup + (long) prompts.size() * workload.repeats);
            Map<String, Measurement> results;
            try (Progress bar = Progress.open("bench", runs, workload.showProgress())) {
                results = Measurement.runInterleaved(
                        gen, prompts, rows, workload.repeats, workload.warmup, bar::step);
            }
            Map<String, Map<TaskMetric, Double>> quality = new LinkedHashMap<>();
            if (workload.encoded != null) {
                Measurement ar = results.get("autoregressive");
                results.forEach((k, v) -> quality.put(k, TaskOption.score(workload.encoded, v, ar, lm)));
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(json
                    ? toJson(results, quality, lm, prompts.size())
                    : table(results, quality, lm, prompts.size()));
            out.flush();
            return 0;
        }
    }

    private String table(Map<String, Measurement> results, Map<String, Map<TaskMetric, Double>> quality,
            LoadedModel lm, int numPrompts) {
        Measurement ar = results.get("autoregressive");
        Measurement ss = results.get("self-speculative");
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT,
                "%s: %d layers, E=%d, d=%d; %s%d prompt(s) x %d repeat(s), %d new tokens max, greedy%n%n",
                lm.dir, lm.numLayers(), ss.exitLayer, ss.numSpeculations,
                workload.suite == null ? "" : "task " + workload.suite.name() + ", ",
                numPrompts, workload.repeats, workload.maxNewTokens()));
        String fmt = "%-30s %10s %10s %10s %8s %9s %12s %12s %10s %22s";
        StringBuilder qfmt = new StringBuilder();
        List<String> qhead = List.of();
        if (!quality.isEmpty()) {
            qhead = TaskOption.headers(quality.get("autoregressive"));
            qhead.forEach(h -> qfmt.append(" %12s"));
        }
        List<Object> head = new ArrayList<>(List.of("strategy", "prefill/s", "tokens/s",
                "acceptance", "speedup", "ms/token", "CPU speedup", "CPU ms/token", "KV MiB",
                "identical to autoregr."));
        head.addAll(qhead);
        sb.append(String.format(Locale.ROOT, fmt + qfmt + "%n", head.toArray()));
        for (Map.Entry<String, Measurement> e : results.entrySet()) {
            Measurement m = e.getValue();
            String name = e.getKey() + (e.getKey().equals("early-exit") ? " (E=" + m.exitLayer + ")" : "");
            List<Object> row = new ArrayList<>(List.of(name,
                    String.format(Locale.ROOT, "%.0f", m.prefillTokensPerSecond()),
                    String.format(Locale.ROOT, "%.1f", m.tokensPerSecond()),
                    m.speculative ? String.format(Locale.ROOT, "%.3f", m.acceptanceRate()) : "-",
                    String.format(Locale.ROOT, "%.2fx", m.speedupOver(ar)),
                    String.format(Locale.ROOT, "%.2f", m.msPerToken()),
                    String.format(Locale.ROOT, "%.2fx", m.cpuSpeedupOver(ar)),
                    String.format(Locale.ROOT, "%.2f", m.cpuMsPerToken()),
                    String.format(Locale.ROOT, "%.2f", m.kvCacheBytes / 1048576.0),
                    m == ar ? "-" : (m.sameOutputs(ar) ? "yes" : "no")));
            if (!quality.isEmpty()) {
                row.addAll(TaskOption.cells(quality.get(e.getKey())));
            }
            sb.append(String.format(Locale.ROOT, fmt + qfmt + "%n", row.toArray()));
        }
        return sb.toString().stripTrailing();
    }

    private String toJson(Map<String, Measurement> results, Map<String, Map<TaskMetric, Double>> quality,
            LoadedModel lm, int numPrompts) {
        Measurement ar = results.get("autoregressive");
        JsonObject o = new JsonObject();
        o.addProperty("model", lm.dir.toString());
        o.addProperty("num_layers", lm.numLayers());
        if (workload.suite != null) {
            o.addProperty("task", workload.suite.name());
        }
        o.addProperty("num_prompts", numPrompts);
        o.addProperty("repeats", workload.repeats);
        o.addProperty("max_new_tokens", workload.maxNewTokens());
        JsonArray rows = new JsonArray();
        for (Map.Entry<String, Measurement> e : results.entrySet()) {
            Measurement m = e.getValue();
            JsonObject r = new JsonObject();
            r.addProperty("strategy", e.getKey());
            r.addProperty("exit_layer", m.exitLayer);
            if (m.speculative) {
                r.addProperty("num_speculations", m.numSpeculations);
                r.addProperty("acceptance_rate", m.acceptanceRate());
            }
            r.addProperty("tokens_per_second", m.tokensPerSecond());
            r.addProperty("prefill_tokens_per_second", m.prefillTokensPerSecond());
            r.addProperty("kv_cache_bytes", m.kvCacheBytes);
            r.addProperty("ms_per_token", m.msPerToken());
            r.addProperty("speedup", m.speedupOver(ar));
            r.addProperty("cpu_ms_per_token", m.cpuMsPerToken());
            r.addProperty("cpu_speedup", m.cpuSpeedupOver(ar));
            r.addProperty("num_generated", m.tokens);
            r.addProperty("identical_to_autoregressive", m.sameOutputs(ar));
            if (!quality.isEmpty()) {
                r.add("quality", TaskOption.toJson(quality.get(e.getKey())));
            }
            rows.add(r);
        }
        o.add("results", rows);
        return new GsonBuilder().disableHtmlEscaping().create().toJson(o);
    }
}
