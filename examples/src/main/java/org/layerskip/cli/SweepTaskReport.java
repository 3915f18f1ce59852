package org.layerskip.cli;

import org.layerskip.tasks.EncodedTask;
import org.layerskip.tasks.TaskMetric;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The task part of {@code sweep --task}: the quality of autoregressive decoding and of early exit
 * at every swept E (the paper's "early exit" rows, with their quality loss), next to their speed.
 * Self-speculative cells are exact (checked cell by cell), so their quality is autoregressive's.
 */
final class SweepTaskReport {

    private SweepTaskReport() {}

    static void print(
            PrintWriter out,
            EncodedTask task,
            LoadedModel lm,
            List<Integer> es,
            Map<String, Measurement> measured,
            boolean cpu) {
        Measurement ar = measured.get("ar");
        Map<TaskMetric, Double> arQuality = TaskOption.score(task, ar, ar, lm);
        List<String> heads = TaskOption.headers(arQuality);
        StringBuilder fmt = new StringBuilder("%-22s %10s %8s");
        heads.forEach(h -> fmt.append(" %12s"));
        fmt.append("%n");
        List<Object> head = new ArrayList<>(List.of("method", "tokens/s", "speedup"));
        head.addAll(heads);
        out.printf(Locale.ROOT, fmt.toString(), head.toArray());
        row(out, fmt.toString(), "autoregressive", ar, ar, arQuality, cpu);
        for (int e : es) {
            Measurement m = measured.get("ee " + e);
            row(
                    out,
                    fmt.toString(),
                    "early exit E=" + e,
                    m,
                    ar,
                    TaskOption.score(task, m, ar, lm),
                    cpu);
        }
        out.println(
                "self-speculative (every cell below that is identical): quality as autoregressive");
        out.println();
    }

    private static void row(
            PrintWriter out,
            String fmt,
            String name,
            Measurement m,
            Measurement ar,
            Map<TaskMetric, Double> quality,
            boolean cpu) {
        List<Object> cells =
                new ArrayList<>(
                        List.of(
                                name,
                                String.format(Locale.ROOT, "%.1f", m.tokensPerSecond()),
                                String.format(Locale.ROOT, "%.2fx", m.speedupOver(ar, cpu))));
        cells.addAll(TaskOption.cells(quality));
        out.printf(Locale.ROOT, fmt, cells.toArray());
    }
}
