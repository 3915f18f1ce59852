package org.layerskip.cli;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.Generator;
import org.layerskip.io.RecordedSettings;

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
 * lengths, against an autoregressive baseline on the same prompts; CSV, a speedup heatmap, and the
 * best (E, d) recorded in the model folder as {@code layerskip.json}.
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

    @Option(names = "--exit-layers", paramLabel = "LIST", defaultValue = "1:L-1",
            description = "Exit layers: N, A:B, A:B:STEP, comma-separated; L = depth (default: ${DEFAULT-VALUE}).")
    String exitLayers;

    @Option(names = "--num-speculations", paramLabel = "LIST", split = ",", defaultValue = "1,2,4,6",
            description = "Draft lengths, comma-separated (default: ${DEFAULT-VALUE}).")
    int[] numSpeculations;

    @Option(names = "--csv", paramLabel = "FILE", description = "Write the grid as CSV.")
    Path csv;

    @Option(names = "--png", paramLabel = "FILE", description = "Write a speedup heatmap as PNG.")
    Path png;

    @Option(names = "--no-record",
            description = "Do not write the best (E, d) to layerskip.json in the model folder.")
    boolean noRecord;

    /** One grid cell. */
    record Cell(int exitLayer, int numSpeculations, Measurement m, double speedup) {}

    @Override
    public Integer call() throws Exception {
        String msg = workload.check();
        SamplingChecks.require(spec, msg == null, msg);
        msg = modelOptions.check();
        SamplingChecks.require(spec, msg == null, msg);
        for (int d : numSpeculations) {
            SamplingChecks.numSpeculations(spec, d);
        }
        int[] ds = Arrays.stream(numSpeculations).distinct().sorted().toArray();
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
                            .optMaxNewTokens(workload.maxNewTokens)
                            .optEngine(engineOption.kind());
            if (workload.ignoreEos) {
                base.optEosTokenIds(List.of());
            }
            // key 0: the autoregressive baseline; key 1 + i: (es[i / |ds|], ds[i % |ds|])
            Map<Integer, GenerationOptions> configs = new LinkedHashMap<>();
            configs.put(0, base.optStrategy(DecodingStrategy.AUTOREGRESSIVE).build());
            base.optStrategy(DecodingStrategy.SELF_SPECULATIVE);
            for (int e : es) {
                for (int d : ds) {
                    configs.put(configs.size(), base.optExitLayer(e).optNumSpeculations(d).build());
                }
            }
            long runs = configs.size() * (workload.warmup + (long) prompts.size() * workload.repeats);
            Map<Integer, Measurement> measured;
            try (Progress bar = Progress.open("sweep", runs, workload.showProgress())) {
                measured = Measurement.runInterleaved(
                        gen, prompts, configs, workload.repeats, workload.warmup, bar::step);
            }
            Measurement baseline = measured.get(0);
            List<Cell> cells = new ArrayList<>();
            int key = 1;
            for (int e : es) {
                for (int d : ds) {
                    Measurement m = measured.get(key++);
                    cells.add(new Cell(e, d, m, m.speedupOver(baseline, workload.cpuTiming())));
                }
            }
            Cell best = cells.get(0);
            for (Cell c : cells) {
                if (c.speedup() > best.speedup()) {
                    best = c;
                }
            }
            if (csv != null) {
                writeCsv(csv, cells);
            }
            if (png != null) {
                writePng(png, lm, es, ds, cells);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT,
                    "autoregressive baseline: %.1f tokens/s, %.2f ms/token, %.2f CPU ms/token;"
                            + " speedup by %s time%n",
                    baseline.tokensPerSecond(), baseline.msPerToken(), baseline.cpuMsPerToken(),
                    workload.timing);
            out.printf(Locale.ROOT, "%4s %4s %10s %10s %8s %9s %12s%n",
                    "E", "d", "acceptance", "tokens/s", "speedup", "ms/token", "CPU ms/token");
            for (Cell c : cells) {
                out.printf(Locale.ROOT, "%4d %4d %10.3f %10.1f %7.2fx %9.2f %12.2f%n",
                        c.exitLayer(), c.numSpeculations(), c.m().acceptanceRate(),
                        c.m().tokensPerSecond(), c.speedup(), c.m().msPerToken(),
                        c.m().cpuMsPerToken());
            }
            out.printf(Locale.ROOT, "best: exit_layer=%d num_speculations=%d speedup=%.2fx%n",
                    best.exitLayer(), best.numSpeculations(), best.speedup());
            if (!noRecord) {
                Path f = RecordedSettings.today(best.exitLayer(), best.numSpeculations(), best.speedup())
                        .write(lm.dir);
                out.println("recorded in " + f);
            }
            out.flush();
            return 0;
        }
    }

    private static void writeCsv(Path file, List<Cell> cells) throws IOException {
        StringBuilder sb = new StringBuilder(
                "exit_layer,num_speculations,acceptance_rate,tokens_per_second,speedup,ms_per_token,"
                        + "cpu_ms_per_token\n");
        for (Cell c : cells) {
            sb.append(String.format(Locale.ROOT, "%d,%d,%.6f,%.3f,%.4f,%.4f,%.4f%n", c.exitLayer(),
                    c.numSpeculations(), c.m().acceptanceRate(), c.m().tokensPerSecond(),
                    c.speedup(), c.m().msPerToken(), c.m().cpuMsPerToken()));
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    private static void writePng(Path file, LoadedModel lm, List<Integer> es, int[] ds, List<Cell> cells)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        HeatMapChart chart = new HeatMapChartBuilder()
                .width(160 + 90 * ds.length)
                .height(160 + 45 * es.size())
                .title("Self-speculative speedup vs autoregressive: "
                        + lm.dir.toAbsolutePath().normalize().getFileName())
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
            heat.add(new Number[] {xs.indexOf(c.numSpeculations()), es.indexOf(c.exitLayer()), c.speedup()});
        }
        chart.addSeries("speedup", xs, es, heat);
        try (OutputStream os = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
