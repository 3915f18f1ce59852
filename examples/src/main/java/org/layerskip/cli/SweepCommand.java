package org.layerskip.cli;

import com.google.gson.JsonObject;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.layerskip.engine.Engines;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.Generator;
import org.layerskip.io.RecordedSettings;
import org.layerskip.io.RecordedSettingsFile;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code layerskip sweep}: self-speculative greedy decoding over a grid of exit layers x draft
 * lengths, against an autoregressive baseline on the same prompts; a table or one JSON object
 * ({@code --json}), CSV, a speedup heatmap, and, with {@code --record}, the best (E, d) recorded in
 * the model folder as {@code layerskip.json} (nothing is written into the model folder without it).
 * With {@code --task} the prompts are a task suite's, early exit at every E of the grid is measured
 * too (with its quality loss), every cell is checked against autoregressive output and scored, and
 * {@code --record} records the best (E, d) for that task ({@code "tasks"} in {@code
 * layerskip.json}); other entries are kept.
 */
@Command(
        name = "sweep",
        mixinStandardHelpOptions = true,
        description = "Find the fastest exit layer and draft length for self-speculative decoding.")
final class SweepCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin ModelOptions modelOptions;

    @Mixin EngineOption engineOption;

    @Mixin Workload workload;

    @Option(
            names = "--exit-layers",
            paramLabel = "LIST",
            defaultValue = "1:L-1",
            description =
                    "Exit layers: N, A:B, A:B:STEP, comma-separated; L = depth (default: ${DEFAULT-VALUE}).")
    String exitLayers;

    @Option(
            names = "--num-speculations",
            paramLabel = "LIST",
            split = ",",
            defaultValue = "1,2,4,6",
            description = "Draft lengths, comma-separated (default: ${DEFAULT-VALUE}).")
    int[] numSpeculations;

    @Option(names = "--csv", paramLabel = "FILE", description = "Write the grid as CSV.")
    Path csv;

    @Option(names = "--png", paramLabel = "FILE", description = "Write a speedup heatmap as PNG.")
    Path png;

    @Option(
            names = "--record",
            description =
                    "Write the best (E, d) to layerskip.json in the model folder (for the task"
                            + " with --task), where generate, bench, the zoo and the server find it.")
    boolean record;

    @Option(
            names = "--no-record",
            description = "Deprecated and ignored: sweep records only with --record.")
    boolean noRecord;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of a table.")
    boolean json;

    /** One grid cell; {@code identical} is whether its outputs equal autoregressive decoding's. */
    record Cell(
            int exitLayer, int numSpeculations, Measurement m, double speedup, boolean identical) {}

    @Override
    public Integer call() throws Exception {
        SamplingChecks.require(
                spec, !(record && noRecord), "give either --record or --no-record, not both");
        if (noRecord) {
            spec.commandLine()
                    .getErr()
                    .println(
                            "warning: --no-record is deprecated and does nothing: sweep writes layerskip.json"
                                    + " only with --record");
        }
        String msg = workload.check();
        SamplingChecks.require(spec, msg == null, msg);
        msg = modelOptions.check();
        SamplingChecks.require(spec, msg == null, msg);
        for (int d : numSpeculations) {
            SamplingChecks.numSpeculations(spec, d);
        }
        int[] ds = Arrays.stream(numSpeculations).distinct().sorted().toArray();
        workload.loadTask();
        try (LoadedModel lm = modelOptions.load()) {
            List<Integer> es;
            try {
                es = LayerRange.parse(exitLayers, lm.numLayers());
            } catch (NumberFormatException e) {
                SamplingChecks.require(spec, false, "--exit-layers: " + e.getMessage());
                return 2;
            }
            for (int e : es) {
                lm.checkExitLayer(e, true);
            }
            List<long[]> prompts = workload.prompts(lm);
            Generator gen = lm.generator();
            GenerationOptions.Builder base =
                    GenerationOptions.builder()
                            .optMaxNewTokens(workload.maxNewTokens())
                            .optEngine(engineOption.kind());
            if (workload.ignoreEos) {
                base.optEosTokenIds(List.of());
            }
            // "ar": the autoregressive baseline; "ss E d": the grid; "ee E": early exit (--task)
            Map<String, GenerationOptions> configs = new LinkedHashMap<>();
            configs.put("ar", base.optStrategy(DecodingStrategy.AUTOREGRESSIVE).build());
            if (workload.encoded != null) {
                base.optStrategy(DecodingStrategy.EARLY_EXIT);
                for (int e : es) {
                    configs.put("ee " + e, base.optExitLayer(e).build());
                }
            }
            base.optStrategy(DecodingStrategy.SELF_SPECULATIVE);
            for (int e : es) {
                for (int d : ds) {
                    configs.put(
                            "ss " + e + " " + d,
                            base.optExitLayer(e).optNumSpeculations(d).build());
                }
            }
            long runs =
                    configs.size() * (workload.warmup + (long) prompts.size() * workload.repeats);
            Engines.of(lm.model, engineOption.kind())
                    .awaitReady(); // time packed matrices, not packing
            Map<String, Measurement> measured;
            try (Progress bar = Progress.open("sweep", runs, workload.showProgress())) {
                measured =
                        Measurement.runInterleaved(
                                gen,
                                prompts,
                                configs,
                                workload.repeats,
                                workload.warmup,
                                bar::step);
            }
            Measurement baseline = measured.get("ar");
            List<Cell> cells = new ArrayList<>();
            for (int e : es) {
                for (int d : ds) {
                    Measurement m = measured.get("ss " + e + " " + d);
                    cells.add(
                            new Cell(
                                    e,
                                    d,
                                    m,
                                    m.speedupOver(baseline, workload.cpuTiming()),
                                    m.sameOutputs(baseline)));
                }
            }
            // a cell whose output differs from autoregressive decoding is never recommended
            Cell best = null;
            for (Cell c : cells) {
                if (c.identical() && (best == null || c.speedup() > best.speedup())) {
                    best = c;
                }
            }
            if (best == null) {
                throw new IllegalStateException(
                        "no (E, d) reproduced the autoregressive output;"
                                + " nothing recorded (report this as a bug)");
            }
            if (csv != null) {
                writeCsv(csv, cells);
            }
            if (png != null) {
                writePng(
                        png,
                        lm,
                        workload.suite == null ? null : workload.suite.name(),
                        es,
                        ds,
                        cells);
            }
            Path recorded = record ? record(lm, best) : null;
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(
                        SweepJson.toJson(
                                lm, workload, prompts.size(), measured, es, cells, best, recorded));
                out.flush();
                return 0;
            }
            out.printf(
                    Locale.ROOT,
                    "%sautoregressive baseline: %.1f tokens/s, %.2f ms/token, %.2f CPU ms/token;"
                            + " speedup by %s time%n",
                    workload.suite == null
                            ? ""
                            : "task "
                                    + workload.suite.name()
                                    + ", "
                                    + prompts.size()
                                    + " prompt(s), "
                                    + workload.maxNewTokens()
                                    + " new tokens max; ",
                    baseline.tokensPerSecond(),
                    baseline.msPerToken(),
                    baseline.cpuMsPerToken(),
                    workload.timing);
            if (workload.encoded != null) {
                SweepTaskReport.print(
                        out, workload.encoded, lm, es, measured, workload.cpuTiming());
            }
            out.printf(
                    Locale.ROOT,
                    "%4s %4s %10s %10s %8s %9s %12s %10s%n",
                    "E",
                    "d",
                    "acceptance",
                    "tokens/s",
                    "speedup",
                    "ms/token",
                    "CPU ms/token",
                    "identical");
            for (Cell c : cells) {
                out.printf(
                        Locale.ROOT,
                        "%4d %4d %10.3f %10.1f %7.2fx %9.2f %12.2f %10s%n",
                        c.exitLayer(),
                        c.numSpeculations(),
                        c.m().acceptanceRate(),
                        c.m().tokensPerSecond(),
                        c.speedup(),
                        c.m().msPerToken(),
                        c.m().cpuMsPerToken(),
                        c.identical() ? "yes" : "NO");
            }
            out.printf(
                    Locale.ROOT,
                    "best%s: exit_layer=%d num_speculations=%d speedup=%.2fx"
                            + " acceptance=%.3f%n",
                    workload.suite == null ? "" : " for task " + workload.suite.name(),
                    best.exitLayer(),
                    best.numSpeculations(),
                    best.speedup(),
                    best.m().acceptanceRate());
            out.println(
                    recorded != null
                            ? "recorded in " + recorded
                            : "not recorded (add --record to write it to "
                                    + RecordedSettings.FILE_NAME
                                    + " in the model folder)");
            out.flush();
            return 0;
        }
    }

    /** Writes the best cell into layerskip.json: for the task, or as the defaults. */
    private Path record(LoadedModel lm, Cell best) throws IOException {
        RecordedSettings s =
                RecordedSettings.today(best.exitLayer(), best.numSpeculations(), best.speedup());
        RecordedSettingsFile file =
                RecordedSettingsFile.read(lm.dir).orElseGet(RecordedSettingsFile::empty);
        JsonObject extra = new JsonObject();
        extra.addProperty("acceptance_rate", Math.round(best.m().acceptanceRate() * 1000) / 1000.0);
        extra.addProperty("timing", workload.timing);
        // the whole command line as given (originalArgs starts with the subcommand's name)
        extra.addProperty(
                "command",
                "layerskip "
                        + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
        if (workload.suite != null) {
            extra.addProperty("max_new_tokens", workload.maxNewTokens());
            extra.addProperty("num_prompts", workload.encoded.prompts().size());
            return file.withTask(workload.suite.name(), s, extra).write(lm.dir);
        }
        return file.withDefaults(s, extra).write(lm.dir);
    }

    private static void writeCsv(Path file, List<Cell> cells) throws IOException {
        StringBuilder sb =
                new StringBuilder(
                        "exit_layer,num_speculations,acceptance_rate,tokens_per_second,speedup,ms_per_token,"
                                + "cpu_ms_per_token,identical_to_autoregressive\n");
        for (Cell c : cells) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%d,%d,%.6f,%.3f,%.4f,%.4f,%.4f,%s%n",
                            c.exitLayer(),
                            c.numSpeculations(),
                            c.m().acceptanceRate(),
                            c.m().tokensPerSecond(),
                            c.speedup(),
                            c.m().msPerToken(),
                            c.m().cpuMsPerToken(),
                            c.identical()));
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    private static void writePng(
            Path file, LoadedModel lm, String task, List<Integer> es, int[] ds, List<Cell> cells)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        HeatMapChart chart =
                new HeatMapChartBuilder()
                        .width(160 + 90 * ds.length)
                        .height(160 + 45 * es.size())
                        .title(
                                "Self-speculative speedup vs autoregressive: "
                                        + lm.dir.toAbsolutePath().normalize().getFileName()
                                        + (task == null ? "" : ", task " + task))
                        .xAxisTitle("draft length d (num_speculations)")
                        .yAxisTitle("exit layer E")
                        .build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setHeatMapValueDecimalPattern("0.00");
        chart.getStyler().setLegendVisible(true);
        List<Integer> xs = new ArrayList<>();
        for (int d : ds) {
            xs.add(d);
        }
        List<Number[]> heat = new ArrayList<>();
        for (Cell c : cells) {
            heat.add(
                    new Number[] {
                        xs.indexOf(c.numSpeculations()), es.indexOf(c.exitLayer()), c.speedup()
                    });
        }
        chart.addSeries("speedup", xs, es, heat);
        try (OutputStream os = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
