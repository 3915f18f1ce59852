package org.layerskip.train;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.layerskip.io.IoErrors;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@link TrainingListener} that appends one JSON object per step to a JSONL file (flushed each
 * line). After a resume the steps between the checkpoint and the interruption appear twice; the
 * later line is the one of the resumed run. A last line left incomplete by an interrupted write (a
 * full disk) is removed when the log is reopened, so every line stays one JSON object.
 *
 * <p>Write failures are reported as {@link UncheckedIOException} (a listener cannot throw checked
 * exceptions) whose cause's one-line message names the file and the reason.
 */
public final class MetricsLog implements TrainingListener, AutoCloseable {

    private final Path file;
    private final BufferedWriter out;

    /**
     * Opens the log for appending.
     *
     * @param file the JSONL file (created with its folder if needed)
     * @throws IOException if it cannot be opened (one-line message naming the file and the cause)
     */
    public MetricsLog(Path file) throws IOException {
        this.file = file;
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            dropIncompleteLastLine(file);
            out =
                    Files.newBufferedWriter(
                            file,
                            StandardCharsets.UTF_8,
                            StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IOException(
                    "cannot open metrics log " + file + ": " + IoErrors.describe(e, file), e);
        }
    }

    /** Truncates the file after its last newline, if it has content that does not end with one. */
    private static void dropIncompleteLastLine(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try (FileChannel channel =
                FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long end = channel.size();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            long keep = 0;
            for (long pos = end; pos > 0 && keep == 0; ) {
                long start = Math.max(0, pos - buffer.capacity());
                buffer.clear().limit((int) (pos - start));
                int read;
                do {
                    read = channel.read(buffer, start + buffer.position());
                } while (read >= 0 && buffer.hasRemaining());
                for (int i = buffer.position() - 1; i >= 0; i--) {
                    if (buffer.get(i) == '\n') {
                        keep = start + i + 1;
                        break;
                    }
                }
                pos = start;
            }
            if (keep < end) {
                channel.truncate(keep);
            }
        }
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
            throw new UncheckedIOException(
                    new IOException(
                            "cannot append to metrics log "
                                    + file
                                    + ": "
                                    + IoErrors.describe(e, file),
                            e));
        }
    }

    /** {@inheritDoc} */
    @Override
    public void close() throws IOException {
        try {
            out.close();
        } catch (IOException e) {
            throw new IOException(
                    "cannot close metrics log " + file + ": " + IoErrors.describe(e, file), e);
        }
    }
}
