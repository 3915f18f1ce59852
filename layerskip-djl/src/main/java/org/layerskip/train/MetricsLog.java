package org.layerskip.train;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@link TrainingListener} that appends one JSON object per step to a JSONL file (flushed each
 * line). After a resume the steps between the checkpoint and the interruption appear twice; the
 * later line is the one of the resumed run.
 */
public final class MetricsLog implements TrainingListener, AutoCloseable {

    private final BufferedWriter out;

    /**
     * Opens the log for appending.
     *
     * @param file the JSONL file (created with its folder if needed)
     * @throws IOException if it cannot be opened
     */
    public MetricsLog(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        out =
                Files.newBufferedWriter(
                        file,
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
    }

    /** {@inheritDoc} */
    @Override
    public void onStep(StepMetrics m) {
        JsonObject o = new JsonObject();
        o.addProperty("step", m.step());
        o.addProperty("loss", m.loss());
        o.addProperty("last_layer_loss", m.lastLayerLoss());
        JsonObject exits = new JsonObject();
        for (int i = 0; i < m.exitLayers().length; i++) {
            exits.addProperty(Integer.toString(m.exitLayers()[i]), m.exitLosses()[i]);
        }
        o.add("exit_losses", exits);
        o.addProperty("lr", m.learningRate());
        o.addProperty("grad_norm", m.gradNorm());
        o.addProperty("tokens", m.tokens());
        o.addProperty("tokens_per_s", m.tokensPerSecond());
        o.addProperty("skipped_fraction", m.skippedFraction());
        if (m.retries() > 0) {
            o.addProperty("retries", m.retries());
        }
        o.addProperty("elapsed_s", m.elapsedSeconds());
        write(o);
    }

    /**
     * Appends an evaluation record.
     *
     * @param step completed steps
     * @param metrics per-layer metrics
     */
    public void logEvaluation(long step, LayerMetrics metrics) {
        JsonObject o = new JsonObject();
        o.addProperty("step", step);
        o.addProperty("event", "eval");
        JsonArray ppl = new JsonArray();
        JsonArray acc = new JsonArray();
        for (int i = 0; i < metrics.layers().length; i++) {
            ppl.add(metrics.perplexity()[i]);
            acc.add(metrics.accuracy()[i]);
        }
        o.add("perplexity", ppl);
        o.add("accuracy", acc);
        write(o);
    }

    /** {@inheritDoc} */
    @Override
    public void onCheckpoint(long step, Path dir) {
        JsonObject o = new JsonObject();
        o.addProperty("step", step);
        o.addProperty("event", "checkpoint");
        o.addProperty("dir", dir.toString());
        write(o);
    }

    private void write(JsonObject o) {
        try {
            out.write(o.toString());
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@inheritDoc} */
    @Override
    public void close() throws IOException {
        out.close();
    }
}
