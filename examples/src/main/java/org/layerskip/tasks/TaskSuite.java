package org.layerskip.tasks;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A task suite: a fixed list of prompts (with held-out truths) and the quality metrics to report,
 * read from a versioned JSON file.
 *
 * <pre>{@code
 * {"format": "layerskip-task-suite", "version": 1, "name": "code", "description": "...",
 *  "metrics": ["token_accuracy", "first_line_exact_match"], "max_new_tokens": 48,
 *  "examples": [{"id": "cgi.py:238:parse_header", "prompt": "def parse_header(line):...",
 *                "truth": "\n    ..."}, ...]}
 * }</pre>
 *
 * <p>{@link #BUNDLED} suites ship in this jar; {@code scripts/make_task_suites.py} regenerates them
 * from the held-out split of the bundled models. Other fields ({@code source}, {@code generator},
 * an example's {@code edits}) are documentation and ignored. Every problem in a file is one {@link
 * IllegalArgumentException} naming the file and the field.
 *
 * @param name the task name (what {@code layerskip.json} records the best E and d under)
 * @param version the file format version
 * @param description what the suite measures
 * @param metrics the quality metrics to report, in order
 * @param maxNewTokens the default number of tokens to generate per prompt
 * @param examples the prompts, in order
 * @param origin where the suite was read from (for messages)
 */
public record TaskSuite(
        String name,
        int version,
        String description,
        List<TaskMetric> metrics,
        int maxNewTokens,
        List<TaskExample> examples,
        String origin) {

    /** The value of the {@code format} field. */
    public static final String FORMAT = "layerskip-task-suite";

    /** The newest file format version this build reads. */
    public static final int VERSION = 1;

    /** Names of the suites bundled in this jar. */
    public static final List<String> BUNDLED = List.of("code", "copy", "free");

    private static final String RESOURCE_ROOT = "org/layerskip/tasks/";
    private static final long MAX_BYTES = 16L << 20;
    private static final int MAX_NEW_TOKENS = 4096;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    /** Checks the invariants and copies the lists. */
    public TaskSuite {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("task name '" + name + "' is not a valid name");
        }
        if (examples == null || examples.isEmpty()) {
            throw new IllegalArgumentException("task " + name + " has no examples");
        }
        if (maxNewTokens < 1 || maxNewTokens > MAX_NEW_TOKENS) {
            throw new IllegalArgumentException(
                    "task "
                            + name
                            + ": max_new_tokens must be in [1, "
                            + MAX_NEW_TOKENS
                            + "], got "
                            + maxNewTokens);
        }
        metrics = List.copyOf(metrics);
        examples = List.copyOf(examples);
    }

    /**
     * Finds a suite by bundled name ({@code code}, {@code copy}, {@code free}) or file path.
     *
     * @param nameOrFile a bundled name, or a path to a suite JSON file
     * @return the suite
     * @throws IllegalArgumentException for an unknown name, a missing file or a malformed suite,
     *     naming the value or the file
     */
    public static TaskSuite resolve(String nameOrFile) {
        if (nameOrFile == null || nameOrFile.isBlank()) {
            throw new IllegalArgumentException("--task: empty task name");
        }
        if (BUNDLED.contains(nameOrFile)) {
            return bundled(nameOrFile);
        }
        boolean looksLikeFile =
                nameOrFile.endsWith(".json")
                        || nameOrFile.contains("/")
                        || nameOrFile.contains("\\");
        if (!looksLikeFile) {
            throw new IllegalArgumentException(
                    "unknown task '"
                            + nameOrFile
                            + "': use one of "
                            + String.join(", ", BUNDLED)
                            + ", or the path of a task suite .json file");
        }
        return load(Path.of(nameOrFile));
    }

    /**
     * Reads a bundled suite.
     *
     * @param name one of {@link #BUNDLED}
     * @return the suite
     * @throws IllegalArgumentException if the name is not bundled or this build lacks the file
     */
    public static TaskSuite bundled(String name) {
        if (!BUNDLED.contains(name)) {
            throw new IllegalArgumentException(
                    "unknown task '" + name + "': bundled tasks are " + String.join(", ", BUNDLED));
        }
        String resource = RESOURCE_ROOT + name + ".json";
        try (InputStream in = TaskSuite.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException(
                        "this build bundles no task suite "
                                + resource
                                + " (run scripts/make_task_suites.py)");
            }
            return parse(in.readAllBytes(), "bundled " + resource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundled " + resource + ": " + e, e);
        }
    }

    /**
     * Reads a suite file.
     *
     * @param file the JSON file
     * @return the suite
     * @throws IllegalArgumentException if the file is missing, unreadable or malformed
     */
    public static TaskSuite load(Path file) {
        try {
            if (Files.isDirectory(file)) {
                throw new IllegalArgumentException(file + ": is a folder, not a task suite file");
            }
            if (Files.exists(file) && !Files.isRegularFile(file)) {
                throw new IllegalArgumentException(file + ": is not a regular file");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new IllegalArgumentException(
                        file + ": task suite is larger than " + (MAX_BYTES >> 20) + " MiB");
            }
            return parse(Files.readAllBytes(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("task suite file not found: " + file, e);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    file + ": cannot read the task suite (" + e + ")", e);
        }
    }

    /**
     * Parses a suite.
     *
     * @param bytes the UTF-8 JSON text
     * @param origin the file name, for messages
     * @return the suite
     * @throws IllegalArgumentException naming {@code origin} and the field when malformed
     */
    public static TaskSuite parse(byte[] bytes, String origin) {
        String text;
        try {
            text =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(bytes))
                            .toString();
        } catch (CharacterCodingException e) {
            throw bad(origin, "is not UTF-8 text");
        }
        JsonElement root;
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            root = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw bad(origin, "has data after the JSON object");
            }
        } catch (JsonParseException | IOException | IllegalStateException e) {
            String m = String.valueOf(e.getMessage());
            int nl = m.indexOf('\n');
            throw bad(origin, "is not valid JSON (" + (nl < 0 ? m : m.substring(0, nl)) + ")");
        }
        if (!root.isJsonObject()) {
            throw bad(origin, "must hold a JSON object");
        }
        JsonObject o = root.getAsJsonObject();
        String format = string(o, "format", origin);
        if (!FORMAT.equals(format)) {
            throw bad(origin, "field 'format' must be \"" + FORMAT + "\", got \"" + format + "\"");
        }
        int version = integer(o, "version", origin);
        if (version < 1 || version > VERSION) {
            throw bad(
                    origin,
                    "format version "
                            + version
                            + " is not supported (this build reads"
                            + " version "
                            + VERSION
                            + ")");
        }
        String name = string(o, "name", origin);
        if (!NAME.matcher(name).matches()) {
            throw bad(
                    origin,
                    "field 'name' must be a short name of letters, digits, '_', '-' or"
                            + " '.', got \""
                            + shorten(name)
                            + "\"");
        }
        String description = o.has("description") ? string(o, "description", origin) : "";
        List<TaskMetric> metrics = new ArrayList<>();
        for (JsonElement m : array(o, "metrics", origin)) {
            if (!m.isJsonPrimitive() || !m.getAsJsonPrimitive().isString()) {
                throw bad(origin, "field 'metrics' must list metric names");
            }
            try {
                metrics.add(TaskMetric.parse(m.getAsString()));
            } catch (IllegalArgumentException e) {
                throw bad(origin, "field 'metrics': " + e.getMessage());
            }
        }
        int maxNew = integer(o, "max_new_tokens", origin);
        if (maxNew < 1 || maxNew > MAX_NEW_TOKENS) {
            throw bad(
                    origin,
                    "field 'max_new_tokens' must be in [1, " + MAX_NEW_TOKENS + "], got " + maxNew);
        }
        boolean needsTruth = metrics.stream().anyMatch(TaskMetric::needsTruth);
        List<TaskExample> examples = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        JsonArray list = array(o, "examples", origin);
        for (int i = 0; i < list.size(); i++) {
            String where = "examples[" + i + "]";
            if (!list.get(i).isJsonObject()) {
                throw bad(origin, "field '" + where + "' must be an object");
            }
            JsonObject e = list.get(i).getAsJsonObject();
            String id = string(e, "id", origin + " " + where);
            if (!ids.add(id)) {
                throw bad(origin, "example id '" + shorten(id) + "' appears twice");
            }
            String prompt = string(e, "prompt", origin + " " + where);
            if (prompt.isEmpty()) {
                throw bad(origin, "field '" + where + ".prompt' is empty");
            }
            String truth = e.has("truth") ? string(e, "truth", origin + " " + where) : null;
            if (needsTruth && (truth == null || truth.isEmpty())) {
                throw bad(
                        origin,
                        "field '"
                                + where
                                + ".truth' is missing (metrics "
                                + metrics.stream().map(TaskMetric::jsonName).toList()
                                + " need it)");
            }
            examples.add(new TaskExample(id, prompt, truth));
        }
        if (examples.isEmpty()) {
            throw bad(origin, "field 'examples' is empty");
        }
        return new TaskSuite(name, version, description, metrics, maxNew, examples, origin);
    }

    /**
     * Returns the first {@code limit} examples (a small slice for tests and quick runs).
     *
     * @param limit how many examples to keep, at least 1
     * @return this suite, or a copy with fewer examples
     * @throws IllegalArgumentException if {@code limit} &lt; 1
     */
    public TaskSuite slice(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
        }
        if (limit >= examples.size()) {
            return this;
        }
        return new TaskSuite(
                name,
                version,
                description,
                metrics,
                maxNewTokens,
                examples.subList(0, limit),
                origin);
    }

    private static String string(JsonObject o, String field, String origin) {
        JsonElement v = o.get(field);
        if (v == null || v.isJsonNull()) {
            throw bad(origin, "field '" + field + "' is missing");
        }
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
            throw bad(origin, "field '" + field + "' must be a string");
        }
        return v.getAsString();
    }

    private static int integer(JsonObject o, String field, String origin) {
        JsonElement v = o.get(field);
        if (v == null || v.isJsonNull()) {
            throw bad(origin, "field '" + field + "' is missing");
        }
        if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
            String literal = v.getAsJsonPrimitive().getAsString();
            try {
                return new BigDecimal(literal).intValueExact();
            } catch (ArithmeticException | NumberFormatException e) {
                // reported below
            }
        }
        throw bad(origin, "field '" + field + "' must be an integer, got " + shorten(v.toString()));
    }

    private static JsonArray array(JsonObject o, String field, String origin) {
        JsonElement v = o.get(field);
        if (v == null || v.isJsonNull()) {
            throw bad(origin, "field '" + field + "' is missing");
        }
        if (!v.isJsonArray()) {
            throw bad(origin, "field '" + field + "' must be an array");
        }
        return v.getAsJsonArray();
    }

    private static IllegalArgumentException bad(String origin, String what) {
        return new IllegalArgumentException(origin + ": " + what);
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
