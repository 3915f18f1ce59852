package org.layerskip.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The whole {@value RecordedSettings#FILE_NAME} of a model folder: the default self-speculation
 * settings at the top level (the original format, read by every consumer) and, since task suites
 * exist, the best settings per task under {@code "tasks"}:
 *
 * <pre>{@code
 * {"exit_layer": 5, "num_speculations": 3, "speedup": 1.16, "measured_on": "2026-11-28",
 *  "tasks": {"code": {"exit_layer": 4, "num_speculations": 4, "speedup": 1.4, ...}, ...}}
 * }</pre>
 *
 * <p>Files of the original format are valid files of this one. Fields this class does not know
 * ({@code "command"}, a task's {@code "acceptance_rate"}) are kept when the file is rewritten.
 * Reading is strict: {@code exit_layer} and {@code num_speculations} must be integers (1.7 is
 * rejected, not truncated), both present or both absent, and in range for the model; every problem
 * is one message naming the file and the field. Immutable.
 */
public final class RecordedSettingsFile {

    private static final long MAX_BYTES = 1 << 20;
    private static final Pattern TASK_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private final JsonObject document;
    private final RecordedSettings defaults;
    private final Map<String, RecordedSettings> tasks;

    private RecordedSettingsFile(
            JsonObject document, RecordedSettings defaults, Map<String, RecordedSettings> tasks) {
        this.document = document;
        this.defaults = defaults;
        this.tasks = Collections.unmodifiableMap(new TreeMap<>(tasks));
    }

    /**
     * Returns a file with no settings yet (what {@code sweep} starts from in a fresh folder).
     *
     * @return an empty file
     */
    public static RecordedSettingsFile empty() {
        return new RecordedSettingsFile(new JsonObject(), null, Map.of());
    }

    /**
     * Reads the file of a model folder, checking its format but not its exit layers against a model
     * (E &gt;= 1 only).
     *
     * @param modelDir the model folder
     * @return the file, or empty when the folder has none
     * @throws IllegalArgumentException naming the file and the field when it is malformed
     */
    public static Optional<RecordedSettingsFile> read(Path modelDir) {
        return read(modelDir, 0);
    }

    /**
     * Reads the file of a model folder.
     *
     * @param modelDir the model folder
     * @param numLayers L, to check that 1 &lt;= E &lt; L (0: E &gt;= 1 only)
     * @return the file, or empty when the folder has none
     * @throws IllegalArgumentException naming the file and the field when it is malformed or out of
     *     range
     */
    public static Optional<RecordedSettingsFile> read(Path modelDir, int numLayers) {
        Path file = modelDir.resolve(RecordedSettings.FILE_NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String text;
        try {
            if (!Files.isRegularFile(file)) {
                throw bad(file, "is not a regular file");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw bad(file, "is larger than " + MAX_BYTES + " bytes");
            }
            text =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                            .toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "is not UTF-8 text");
        } catch (IOException e) {
            throw bad(file, "cannot be read (" + e.getMessage() + ")");
        }
        JsonElement root;
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT); // no comments, no unquoted names
            root = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw bad(file, "has data after the JSON object");
            }
        } catch (JsonParseException | IOException | IllegalStateException e) {
            throw bad(file, "is not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
        if (!root.isJsonObject()) {
            throw bad(file, "must hold a JSON object");
        }
        JsonObject o = root.getAsJsonObject();
        RecordedSettings defaults = settings(file, o, "", numLayers);
        Map<String, RecordedSettings> tasks = new TreeMap<>();
        if (o.has("tasks")) {
            JsonElement t = o.get("tasks");
            if (!t.isJsonObject()) {
                throw bad(file, "field 'tasks' must be an object of task name to settings");
            }
            for (Map.Entry<String, JsonElement> e : t.getAsJsonObject().entrySet()) {
                String name = e.getKey();
                if (!TASK_NAME.matcher(name).matches()) {
                    throw bad(file, "task name '" + shorten(name) + "' is not a valid name");
                }
                if (!e.getValue().isJsonObject()) {
                    throw bad(file, "field 'tasks." + name + "' must be an object");
                }
                RecordedSettings s =
                        settings(
                                file,
                                e.getValue().getAsJsonObject(),
                                "tasks." + name + ".",
                                numLayers);
                if (s == null) {
                    throw bad(file, "field 'tasks." + name + ".exit_layer' is missing");
                }
                tasks.put(name, s);
            }
        }
        if (defaults == null && tasks.isEmpty()) {
            throw bad(file, "field 'exit_layer' is missing (and there are no 'tasks')");
        }
        return Optional.of(new RecordedSettingsFile(o, defaults, tasks));
    }

    /**
     * Returns the top-level settings, used when no task is named.
     *
     * @return the defaults, or empty when the file holds per-task settings only
     */
    public Optional<RecordedSettings> defaults() {
        return Optional.ofNullable(defaults);
    }

    /**
     * Returns the settings recorded for one task.
     *
     * @param task the task name, e.g. {@code code}
     * @return the settings, or empty when that task was never swept
     */
    public Optional<RecordedSettings> task(String task) {
        return Optional.ofNullable(tasks.get(task));
    }

    /**
     * Returns every per-task entry.
     *
     * @return task name to settings, sorted by name, unmodifiable
     */
    public Map<String, RecordedSettings> tasks() {
        return tasks;
    }

    /**
     * Returns a copy with new top-level settings; the tasks and unknown fields are kept.
     *
     * @param s the settings
     * @param extra further top-level fields (e.g. {@code command}), or null
     * @return the new file content
     */
    public RecordedSettingsFile withDefaults(RecordedSettings s, JsonObject extra) {
        JsonObject o = document.deepCopy();
        put(o, s);
        if (extra != null) {
            extra.entrySet().forEach(e -> o.add(e.getKey(), e.getValue()));
        }
        return new RecordedSettingsFile(o, s, tasks);
    }

    /**
     * Returns a copy with the settings of one task replaced (other tasks and fields are kept).
     *
     * @param task the task name
     * @param s the settings
     * @param extra further fields of the task's entry (e.g. {@code acceptance_rate}, {@code
     *     command}), or null
     * @return the new file content
     * @throws IllegalArgumentException if the task name is not a valid name
     */
    public RecordedSettingsFile withTask(String task, RecordedSettings s, JsonObject extra) {
        if (!TASK_NAME.matcher(task).matches()) {
            throw new IllegalArgumentException(
                    "task name '" + shorten(task) + "' is not a valid name");
        }
        JsonObject o = document.deepCopy();
        JsonObject all =
                o.has("tasks") && o.get("tasks").isJsonObject()
                        ? o.getAsJsonObject("tasks")
                        : new JsonObject();
        JsonObject entry = new JsonObject();
        put(entry, s);
        if (extra != null) {
            extra.entrySet().forEach(e -> entry.add(e.getKey(), e.getValue()));
        }
        all.add(task, entry);
        o.add("tasks", all);
        Map<String, RecordedSettings> t = new TreeMap<>(tasks);
        t.put(task, s);
        return new RecordedSettingsFile(o, defaults, t);
    }

    /**
     * Writes the file atomically (temporary file in the same folder, then an atomic rename).
     *
     * @param modelDir the model folder
     * @return the written file
     * @throws IOException if the folder is not writable
     */
    public Path write(Path modelDir) throws IOException {
        Path target = modelDir.resolve(RecordedSettings.FILE_NAME).toAbsolutePath();
        Path tmp =
                Files.createTempFile(target.getParent(), "." + RecordedSettings.FILE_NAME, ".tmp");
        try {
            Files.writeString(tmp, GSON.toJson(document) + "\n", StandardCharsets.UTF_8);
            Files.move(
                    tmp,
                    target,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    private static void put(JsonObject o, RecordedSettings s) {
        o.addProperty("exit_layer", s.exitLayer());
        o.addProperty("num_speculations", s.numSpeculations());
        if (Double.isFinite(s.speedup())) {
            o.addProperty("speedup", Math.round(s.speedup() * 1000) / 1000.0);
        } else {
            o.remove("speedup");
        }
        o.addProperty("measured_on", s.measuredOn());
    }

    /** Reads E and d at one level of the file; null when neither is present. */
    private static RecordedSettings settings(
            Path file, JsonObject o, String prefix, int numLayers) {
        boolean hasE = o.has("exit_layer");
        boolean hasD = o.has("num_speculations");
        if (!hasE && !hasD) {
            return null;
        }
        if (!hasE || !hasD) {
            throw bad(
                    file,
                    "field '"
                            + prefix
                            + (hasE ? "num_speculations" : "exit_layer")
                            + "' is missing (exit_layer and num_speculations go together)");
        }
        long e = integer(file, o.get("exit_layer"), prefix + "exit_layer");
        long d = integer(file, o.get("num_speculations"), prefix + "num_speculations");
        if (numLayers <= 0 && (e < 1 || e > Integer.MAX_VALUE || d < 1 || d > 1024)) {
            throw bad(
                    file,
                    prefix
                            + "exit_layer must be >= 1 and "
                            + prefix
                            + "num_speculations in [1, 1024], got "
                            + shorten(o.get("exit_layer").toString())
                            + " and "
                            + shorten(o.get("num_speculations").toString()));
        }
        if (numLayers > 0 && (e < 1 || e >= numLayers || d < 1 || d > 1024)) {
            throw bad(
                    file,
                    prefix
                            + "exit_layer must be in [1, "
                            + (numLayers - 1)
                            + "] and "
                            + prefix
                            + "num_speculations in [1, 1024] for this "
                            + numLayers
                            + "-layer model, got "
                            + shorten(o.get("exit_layer").toString())
                            + " and "
                            + shorten(o.get("num_speculations").toString()));
        }
        double speedup = Double.NaN;
        if (o.has("speedup") && !o.get("speedup").isJsonNull()) {
            speedup = number(file, o.get("speedup"), prefix + "speedup");
        }
        String on = "";
        if (o.has("measured_on") && !o.get("measured_on").isJsonNull()) {
            JsonElement m = o.get("measured_on");
            if (!m.isJsonPrimitive() || !m.getAsJsonPrimitive().isString()) {
                throw bad(file, "field '" + prefix + "measured_on' must be a string");
            }
            on = m.getAsString();
        }
        return new RecordedSettings((int) e, (int) d, speedup, on);
    }

    private static long integer(Path file, JsonElement v, String field) {
        if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
            String literal = v.getAsJsonPrimitive().getAsString();
            try {
                BigDecimal b = new BigDecimal(literal);
                if (b.signum() == 0 || b.stripTrailingZeros().scale() <= 0) {
                    // beyond int range: out of range for any model, reported by the caller
                    return b.abs().compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) <= 0
                            ? b.longValueExact()
                            : Long.MAX_VALUE;
                }
            } catch (ArithmeticException | NumberFormatException ex) {
                // not an integer: reported below
            }
        }
        throw bad(file, "field '" + field + "' must be an integer, got " + shorten(v.toString()));
    }

    private static double number(Path file, JsonElement v, String field) {
        if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
            JsonPrimitive p = v.getAsJsonPrimitive();
            double x = p.getAsDouble();
            if (Double.isFinite(x)) {
                return x;
            }
        }
        throw bad(
                file,
                "field '" + field + "' must be a finite number, got " + shorten(v.toString()));
    }

    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException(
                file + ": " + what + " (run 'layerskip sweep' again or delete the file)");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return shorten(nl < 0 ? s : s.substring(0, nl));
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
