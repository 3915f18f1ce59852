package org.layerskip.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.Optional;

/**
 * The best self-speculation settings found by {@code layerskip sweep}, stored next to the model as
 * {@value #FILE_NAME}: {@code {"exit_layer":E,"num_speculations":d,"speedup":x,"measured_on":date}}.
 * The CLI's {@code generate} and {@code bench}, and {@code LlamaBlockFactory} (Criteria / model zoo
 * loading), use them when E and d are not given.
 *
 * @param exitLayer E
 * @param numSpeculations d
 * @param speedup measured speedup over autoregressive decoding
 * @param measuredOn ISO date of the sweep
 */
public record RecordedSettings(int exitLayer, int numSpeculations, double speedup, String measuredOn) {

    /** File name inside the model folder. */
    public static final String FILE_NAME = "layerskip.json";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /**
     * Creates settings measured today.
     *
     * @param exitLayer E
     * @param numSpeculations d
     * @param speedup the measured speedup
     * @return the settings
     */
    public static RecordedSettings today(int exitLayer, int numSpeculations, double speedup) {
        return new RecordedSettings(
                exitLayer, numSpeculations, speedup, LocalDate.now().toString());
    }

    /**
     * Reads the settings of a model folder, checked against the model's depth.
     *
     * @param modelDir the model folder
     * @param numLayers L, to check that 1 &lt;= E &lt; L
     * @return the settings, or empty when the file does not exist
     * @throws IllegalArgumentException naming the file when it is malformed or out of range
     */
    public static Optional<RecordedSettings> read(Path modelDir, int numLayers) {
        Optional<RecordedSettings> r = read(modelDir);
        if (r.isPresent() && !r.get().fits(numLayers)) {
            throw new IllegalArgumentException(
                    modelDir.resolve(FILE_NAME)
                            + ": exit_layer must be in [1, "
                            + (numLayers - 1)
                            + "] and num_speculations >= 1, got "
                            + r.get().exitLayer()
                            + " and "
                            + r.get().numSpeculations()
                            + " (run 'layerskip sweep' again or delete the file)");
        }
        return r;
    }

    /**
     * Reads the settings of a model folder without comparing them with a model ({@link
     * SpeculationDefaults} decides what to do with settings that do not fit).
     *
     * @param modelDir the model folder
     * @return the settings (E &gt;= 1, d &gt;= 1), or empty when the file does not exist
     * @throws IllegalArgumentException naming the file when it is malformed
     */
    public static Optional<RecordedSettings> read(Path modelDir) {
        Path file = modelDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonObject o = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            int e = o.get("exit_layer").getAsInt();
            int d = o.get("num_speculations").getAsInt();
            double s = o.has("speedup") ? o.get("speedup").getAsDouble() : Double.NaN;
            String on = o.has("measured_on") ? o.get("measured_on").getAsString() : "";
            if (e < 1 || d < 1) {
                throw new IllegalArgumentException(
                        file
                                + ": exit_layer and num_speculations must be >= 1, got "
                                + e
                                + " and "
                                + d
                                + " (run 'layerskip sweep' again or delete the file)");
            }
            return Optional.of(new RecordedSettings(e, d, s, on));
        } catch (IOException | JsonParseException | IllegalStateException | NullPointerException
                | UnsupportedOperationException | NumberFormatException ex) {
            throw new IllegalArgumentException(
                    file + ": unreadable (" + ex.getMessage() + "); delete it or run 'layerskip sweep'",
                    ex);
        }
    }

    /**
     * Returns whether these settings can drive self-speculation on a model of {@code numLayers}
     * layers: the draft needs at least one layer and the verification at least one more.
     *
     * @param numLayers L
     * @return whether 1 &lt;= E &lt;= L − 1 and d &gt;= 1
     */
    public boolean fits(int numLayers) {
        return exitLayer >= 1 && exitLayer < numLayers && numSpeculations >= 1;
    }

    /**
     * Writes the settings atomically (temporary file in the same folder, then an atomic rename).
     *
     * @param modelDir the model folder
     * @return the written file
     * @throws IOException if the folder is not writable
     */
    public Path write(Path modelDir) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("exit_layer", exitLayer);
        o.addProperty("num_speculations", numSpeculations);
        o.addProperty("speedup", Math.round(speedup * 1000) / 1000.0);
        o.addProperty("measured_on", measuredOn);
        Path target = modelDir.resolve(FILE_NAME).toAbsolutePath();
        Path tmp = Files.createTempFile(target.getParent(), "." + FILE_NAME, ".tmp");
        try {
            Files.writeString(tmp, GSON.toJson(o) + "\n", StandardCharsets.UTF_8);
            Files.move(
                    tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }
}
