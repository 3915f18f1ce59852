package org.layerskip.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.layerskip.engine.EngineKind;
import org.layerskip.engine.Engines;
import org.layerskip.engine.FusedEngine;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code layerskip bench}: autoregressive vs early exit vs self-speculative, greedy, on the same
 * prompts, on one or several engines in one interleaved run (so load from other processes falls on
 * all of them alike). The "self-speculative (recompute)" row verifies without the exit-state (KVQ)
 * cache, recomputing layers {@code 0..E-1} for every draft, to measure what the reuse buys. Each
 * self-speculative row also shows the speedup bound of the cost model ({@link PassCosts}) from that
 * engine's pass costs and the measured acceptance. With {@code --task} the prompts are a task
 * suite's, every row also reports the suite's quality metrics and agreement with autoregressive
 * decoding, and E and d default to those recorded for the task.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Compare autoregressive, early-exit and self-speculative greedy decoding.")
final class BenchCommand implements Callable<Integer> {

    /** The strategies, in table order. */
    private static final List<String> STRATEGIES =
            List.of(
                    "autoregressive",
                    "early-exit",
                    "self-speculative",
                    "self-speculative (recompute)");

    @Spec CommandSpec spec;

    @Mixin ModelOptions modelOptions;

    @Mixin Workload workload;

    @Option(
            names = "--exit-layer",
            paramLabel = "E",
            description = "Exit layer (default: layerskip.json in the model folder, else L/4).")
    Integer exitLayer;

    @Option(
            names = "--num-speculations",
            paramLabel = "D",
            description = "Draft tokens per verification (default: layerskip.json, else 4).")
    Integer numSpeculations;

    @Option(
            names = "--engine",
            split = ",",
            paramLabel = "LIST",
            description =
                    "Engines to compare, e.g. fused,ops (default: the layerskip.engine system"
                            + " property, else fused). Speedups compare strategies on the same engine; the"
                            + " 'vs' column compares each row with the same row on the last engine listed."
                            + " With fp16 and both engines, the fused one keeps LibTorch's F16 linear so"
                            + " that both share the loaded weights (alone it packs them with FBGEMM).")
    List<EngineKind> engines;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of a table.")
    boolean json;

    /** One row: an engine and a strategy. */
    private record Row(EngineKind engine, String strategy) {
        String label(boolean multi) {
            return multi ? strategy + " [" + engine.id() + "]" : strategy;
        }
    }

    @Override
    public Integer call() throws Exception {
        SamplingChecks.numSpeculations(spec, numSpeculations);
        String m = workload.check();
        SamplingChecks.require(spec, m == null, m);
        m = modelOptions.check();
        SamplingChecks.require(spec, m == null, m);
        List<EngineKind> kinds =
                new ArrayList<>(
                        new LinkedHashSet<>(
                                engines == null || engines.isEmpty()
                                        ? List.of(EngineKind.fromProperty())
                                        : engines));
        workload.loadTask();
        if (kinds.contains(EngineKind.OPS)
                && kinds.size() > 1
                && System.getProperty(FusedEngine.HALF_KERNEL_PROPERTY) == null) {
            // both engines run on one loaded model: F16 matrices stay as loaded (LibTorch's linear)
            // instead of being packed by FBGEMM and freed for the fused engine alone
            System.setProperty(FusedEngine.HALF_KERNEL_PROPERTY, "linear");
        }
        try (LoadedModel lm = modelOptions.load()) {
            lm.checkExitLayer(exitLayer, true);
            List<long[]> prompts = workload.prompts(lm);
            Generator gen = lm.generator(workload.suite == null ? null : workload.suite.name());
            Map<Row, GenerationOptions> rows = new LinkedHashMap<>();
            for (EngineKind k : kinds) {
                GenerationOptions.Builder base =
                        GenerationOptions.builder()
                                .optMaxNewTokens(workload.maxNewTokens())
                                .optExitLayer(exitLayer == null ? 0 : exitLayer)
                                .optNumSpeculations(numSpeculations == null ? 0 : numSpeculations)
                                .optEngine(k);
                if (workload.ignoreEos) {
                    base.optEosTokenIds(List.of());
                }
                rows.put(
                        new Row(k, STRATEGIES.get(0)),
                        base.optStrategy(DecodingStrategy.AUTOREGRESSIVE).build());
                rows.put(
                        new Row(k, STRATEGIES.get(1)),
                        base.optStrategy(DecodingStrategy.EARLY_EXIT).build());
                rows.put(
                        new Row(k, STRATEGIES.get(2)),
                        base.optStrategy(DecodingStrategy.SELF_SPECULATIVE).build());
                rows.put(
                        new Row(k, STRATEGIES.get(3)),
                        base.optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                                .optReuseExitStates(false)
                                .build());
            }
            long runs =
                    (long) rows.size()
                            * (workload.warmup + (long) prompts.size() * workload.repeats);
            for (EngineKind k : kinds) {
                Engines.of(lm.model, k).awaitReady(); // time packed matrices, not packing
            }
            Map<Row, Measurement> results;
            try (Progress bar = Progress.open("bench", runs, workload.showProgress())) {
                results =
                        Measurement.runInterleaved(
                                gen, prompts, rows, workload.repeats, workload.warmup, bar::step);
            }
            Measurement any = results.get(new Row(kinds.get(0), STRATEGIES.get(2)));
            Map<EngineKind, PassCosts> costs = new LinkedHashMap<>();
            for (EngineKind k : kinds) {
                costs.put(
                        k,
                        PassCosts.measure(
                                lm.model,
                                Engines.of(lm.model, k),
                                any.exitLayer,
                                any.numSpeculations,
                                prompts.get(0),
                                5 * workload.repeats,
                                workload.cpuTiming()));
            }
            Map<Row, Map<TaskMetric, Double>> quality = new LinkedHashMap<>();
            if (workload.encoded != null) {
                results.forEach(
                        (k, v) ->
                                quality.put(
                                        k,
                                        TaskOption.score(
                                                workload.encoded,
                                                v,
                                                results.get(new Row(k.engine(), STRATEGIES.get(0))),
                                                lm)));
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(
                    json
                            ? toJson(results, quality, costs, kinds, lm, prompts.size())
                            : table(results, quality, costs, kinds, lm, prompts.size()));
            out.flush();
            return 0;
        }
    }

    private String table(
            Map<Row, Measurement> results,
            Map<Row, Map<TaskMetric, Double>> quality,
            Map<EngineKind, PassCosts> costs,
            List<EngineKind> kinds,
            LoadedModel lm,
            int numPrompts) {
        boolean multi = kinds.size() > 1;
        boolean cpu = workload.cpuTiming();
        Measurement ss = results.get(new Row(kinds.get(0), STRATEGIES.get(2)));
        Measurement reference = results.get(new Row(kinds.get(0), STRATEGIES.get(0)));
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%s: %d layers, E=%d, d=%d; %s%d prompt(s) x %d repeat(s), %d new tokens max, greedy;"
                                + " speedups by %s time%n%n",
                        lm.given,
                        lm.numLayers(),
                        ss.exitLayer,
                        ss.numSpeculations,
                        workload.suite == null ? "" : "task " + workload.suite.name() + ", ",
                        numPrompts,
                        workload.repeats,
                        workload.maxNewTokens(),
                        cpu ? "thread CPU" : "wall"));
        String base = "%-37s %10s %10s %10s %8s %7s %8s %9s %12s %9s %8s %11s";
        StringBuilder qfmt = new StringBuilder();
        List<String> qhead = List.of();
        if (!quality.isEmpty()) {
            qhead = TaskOption.headers(quality.values().iterator().next());
            qhead.forEach(h -> qfmt.append(" %12s"));
        }
        String fmt = base + qfmt + "%n";
        List<Object> head =
                new ArrayList<>(
                        List.of(
                                "strategy",
                                "prefill/s",
                                "tokens/s",
                                "acceptance",
                                "speedup",
                                "bound",
                                "ceiling",
                                "ms/token",
                                "CPU ms/token",
                                "KV MiB",
                                multi ? "vs " + kinds.get(kinds.size() - 1).id() : "",
                                "identical"));
        head.addAll(qhead);
        sb.append(String.format(Locale.ROOT, fmt, head.toArray()));
        for (Map.Entry<Row, Measurement> e : results.entrySet()) {
            Row row = e.getKey();
            Measurement m = e.getValue();
            Measurement ar = results.get(new Row(row.engine(), STRATEGIES.get(0)));
            Measurement last = results.get(new Row(kinds.get(kinds.size() - 1), row.strategy()));
            String name =
                    row.label(multi)
                            + (row.strategy().equals("early-exit")
                                    ? " (E=" + m.exitLayer + ")"
                                    : "");
            List<Object> cells =
                    new ArrayList<>(
                            List.of(
                                    name,
                                    String.format(Locale.ROOT, "%.0f", m.prefillTokensPerSecond()),
                                    String.format(Locale.ROOT, "%.1f", m.tokensPerSecond()),
                                    m.speculative
                                            ? String.format(Locale.ROOT, "%.3f", m.acceptanceRate())
                                            : "-",
                                    String.format(Locale.ROOT, "%.2fx", m.speedupOver(ar, cpu)),
                                    row.strategy().equals(STRATEGIES.get(2))
                                            ? String.format(
                                                    Locale.ROOT,
                                                    "%.2fx",
                                                    bound(m, costs.get(row.engine())))
                                            : "-",
                                    row.strategy().equals(STRATEGIES.get(2))
                                            ? String.format(
                                                    Locale.ROOT,
                                                    "%.2fx",
                                                    ceiling(m, costs.get(row.engine())))
                                            : "-",
                                    String.format(Locale.ROOT, "%.2f", m.msPerToken()),
                                    String.format(Locale.ROOT, "%.2f", m.cpuMsPerToken()),
                                    String.format(Locale.ROOT, "%.2f", m.kvCacheBytes / 1048576.0),
                                    multi
                                            ? String.format(
                                                    Locale.ROOT, "%.2fx", m.speedupOver(last, cpu))
                                            : "",
                                    m == reference
                                            ? "-"
                                            : (m.sameOutputs(reference) ? "yes" : "no")));
            if (!quality.isEmpty()) {
                cells.addAll(TaskOption.cells(quality.get(row)));
            }
            sb.append(String.format(Locale.ROOT, fmt, cells.toArray()));
        }
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%nspeedup: vs autoregressive on the same engine; bound: what"
                                + " rounds of the measured cost allow at the measured acceptance; ceiling: the same at"
                                + " full acceptance (see PassCosts); identical: same tokens as %s autoregressive.%n",
                        kinds.get(0).id()));
        for (Map.Entry<EngineKind, PassCosts> c : costs.entrySet()) {
            PassCosts p = c.getValue();
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "pass costs [%s, median ms]: full one-token step %.3f; rounds by drafts: %s%n",
                            c.getKey().id(),
                            p.arMs,
                            roundCosts(p)));
        }
        return sb.toString().stripTrailing();
    }

    private static String roundCosts(PassCosts p) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < p.roundMs.length; k++) {
            sb.append(k == 0 ? "" : ", ")
                    .append(String.format(Locale.ROOT, "%d: %.3f", k, p.roundMs[k]));
        }
        return sb.toString();
    }

    private static double ceiling(Measurement m, PassCosts c) {
        return m.verifications == 0 ? 0 : c.ceiling((double) m.drafted / m.verifications);
    }

    private static double bound(Measurement m, PassCosts c) {
        if (m.verifications == 0) {
            return 0;
        }
        double k = (double) m.drafted / m.verifications;
        double tau = (double) (m.accepted + m.verifications) / m.verifications;
        return c.bound(k, tau);
    }

    private String toJson(
            Map<Row, Measurement> results,
            Map<Row, Map<TaskMetric, Double>> quality,
            Map<EngineKind, PassCosts> costs,
            List<EngineKind> kinds,
            LoadedModel lm,
            int numPrompts) {
        boolean cpu = workload.cpuTiming();
        Measurement reference = results.get(new Row(kinds.get(0), STRATEGIES.get(0)));
        JsonObject o = new JsonObject();
        o.addProperty("model", lm.given);
        o.addProperty("path", lm.dir.toString());
        o.addProperty("num_layers", lm.numLayers());
        if (workload.suite != null) {
            o.addProperty("task", workload.suite.name());
        }
        o.addProperty("num_prompts", numPrompts);
        o.addProperty("repeats", workload.repeats);
        o.addProperty("max_new_tokens", workload.maxNewTokens());
        o.addProperty("timing", cpu ? "cpu" : "wall");
        JsonArray rows = new JsonArray();
        for (Map.Entry<Row, Measurement> e : results.entrySet()) {
            Row row = e.getKey();
            Measurement m = e.getValue();
            Measurement ar = results.get(new Row(row.engine(), STRATEGIES.get(0)));
            JsonObject r = new JsonObject();
            r.addProperty("strategy", row.strategy());
            r.addProperty("engine", row.engine().id());
            r.addProperty("exit_layer", m.exitLayer);
            if (m.speculative) {
                r.addProperty("num_speculations", m.numSpeculations);
                r.addProperty("acceptance_rate", m.acceptanceRate());
                r.addProperty(
                        "tokens_per_verification",
                        m.verifications == 0
                                ? 0
                                : (double) (m.accepted + m.verifications) / m.verifications);
            }
            if (row.strategy().equals(STRATEGIES.get(2))) {
                r.addProperty("speedup_bound", bound(m, costs.get(row.engine())));
                r.addProperty("speedup_ceiling", ceiling(m, costs.get(row.engine())));
            }
            r.addProperty("tokens_per_second", m.tokensPerSecond());
            r.addProperty("prefill_tokens_per_second", m.prefillTokensPerSecond());
            r.addProperty("kv_cache_bytes", m.kvCacheBytes);
            r.addProperty("ms_per_token", m.msPerToken());
            r.addProperty("speedup", m.speedupOver(ar, cpu));
            r.addProperty("cpu_ms_per_token", m.cpuMsPerToken());
            r.addProperty("cpu_speedup", m.cpuSpeedupOver(ar));
            for (EngineKind k : kinds) {
                if (k != row.engine()) {
                    Measurement other = results.get(new Row(k, row.strategy()));
                    r.addProperty("speedup_vs_" + k.id(), m.speedupOver(other, cpu));
                }
            }
            r.addProperty("num_generated", m.tokens);
            r.addProperty("identical_to_autoregressive", m.sameOutputs(reference));
            if (!quality.isEmpty()) {
                r.add("quality", TaskOption.toJson(quality.get(row)));
            }
            rows.add(r);
        }
        o.add("results", rows);
        JsonObject pc = new JsonObject();
        for (Map.Entry<EngineKind, PassCosts> c : costs.entrySet()) {
            JsonObject x = new JsonObject();
            x.addProperty("full_step_ms", c.getValue().arMs);
            JsonArray v = new JsonArray();
            for (double ms : c.getValue().roundMs) {
                v.add(ms);
            }
            x.add("round_ms_by_drafts", v);
            pc.add(c.getKey().id(), x);
        }
        o.add("pass_costs", pc);
        return new GsonBuilder().disableHtmlEscaping().create().toJson(o);
    }
}
