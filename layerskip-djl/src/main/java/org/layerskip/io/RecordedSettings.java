package org.layerskip.io;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Optional;

/**
 * The best self-speculation settings found by {@code layerskip sweep}, stored next to the model as
 * {@value #FILE_NAME}: {@code {"exit_layer":E,"num_speculations":d,"speedup":x,"measured_on":date}}
 * at the top level, and the same per task under {@code "tasks"} ({@link RecordedSettingsFile}).
 * {@code layerskip sweep --record} writes it; {@link SpeculationDefaults}, the one rule for the
 * defaults of a loaded model (CLI, Criteria / model-zoo loading, server, Spark, LangChain4j), reads
 * it first.
 *
 * @param exitLayer E
 * @param numSpeculations d
 * @param speedup measured speedup over autoregressive decoding
 * @param measuredOn ISO date of the sweep
 */
public record RecordedSettings(
        int exitLayer, int numSpeculations, double speedup, String measuredOn) {

    /** File name inside the model folder. */
    public static final String FILE_NAME = "layerskip.json";

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
     * Reads the default (top-level) settings of a model folder; see {@link RecordedSettingsFile}
     * for the per-task ones.
     *
     * @param modelDir the model folder
     * @param numLayers L, to check that 1 &lt;= E &lt; L
     * @return the settings, or empty when the file does not exist or holds per-task settings only
     * @throws IllegalArgumentException naming the file and the field when it is malformed or out of
     *     range (an exit layer of 1.7, a missing num_speculations, ...)
     */
    public static Optional<RecordedSettings> read(Path modelDir, int numLayers) {
        return RecordedSettingsFile.read(modelDir, numLayers)
                .flatMap(RecordedSettingsFile::defaults);
    }

    /**
     * Reads the default settings of a model folder without comparing them with a model ({@link
     * SpeculationDefaults} decides what to do with settings that do not fit); the file's format is
     * checked as strictly as by {@link #read(Path, int)}.
     *
     * @param modelDir the model folder
     * @return the settings (E &gt;= 1, 1 &lt;= d &lt;= 1024), or empty when the file does not exist
     *     or holds per-task settings only
     * @throws IllegalArgumentException naming the file and the field when it is malformed
     */
    public static Optional<RecordedSettings> read(Path modelDir) {
        return RecordedSettingsFile.read(modelDir).flatMap(RecordedSettingsFile::defaults);
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
     * Writes a file holding only these settings, atomically (temporary file in the same folder,
     * then an atomic rename); {@link RecordedSettingsFile#withDefaults} keeps the other fields.
     *
     * @param modelDir the model folder
     * @return the written file
     * @throws IOException if the folder is not writable
     */
    public Path write(Path modelDir) throws IOException {
        return RecordedSettingsFile.empty().withDefaults(this, null).write(modelDir);
    }
}
