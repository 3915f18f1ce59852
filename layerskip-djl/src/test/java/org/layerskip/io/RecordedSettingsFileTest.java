package org.layerskip.io;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.testng.Assert;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** {@code layerskip.json}: the original format, per-task entries, and strict validation. */
public class RecordedSettingsFileTest {

    private static Path folderWith(String json) throws IOException {
        Path dir = Files.createTempDirectory("layerskip-recorded");
        Files.writeString(dir.resolve(RecordedSettings.FILE_NAME), json);
        return dir;
    }

    @Test
    public void readsTheOriginalFormat() throws IOException {
        Path dir =
                folderWith(
                        "{\"exit_layer\": 5, \"num_speculations\": 3, \"speedup\": 1.16,"
                                + " \"measured_on\": \"2026-11-28\", \"command\": \"layerskip sweep\"}");
        RecordedSettings s = RecordedSettings.read(dir, 8).orElseThrow();
        Assert.assertEquals(s, new RecordedSettings(5, 3, 1.16, "2026-11-28"));
        RecordedSettingsFile f = RecordedSettingsFile.read(dir, 8).orElseThrow();
        Assert.assertTrue(f.tasks().isEmpty());
        Assert.assertEquals(f.task("code"), Optional.empty());
    }

    @Test
    public void noFileIsEmpty() throws IOException {
        Path dir = Files.createTempDirectory("layerskip-recorded");
        Assert.assertEquals(RecordedSettings.read(dir, 8), Optional.empty());
        Assert.assertEquals(RecordedSettingsFile.read(dir, 8), Optional.empty());
    }

    @Test
    public void taskEntriesRoundTripAndKeepOtherFields() throws IOException {
        Path dir = folderWith("{\"exit_layer\": 5, \"num_speculations\": 3, \"command\": \"x\"}");
        RecordedSettingsFile f = RecordedSettingsFile.read(dir, 16).orElseThrow();
        JsonObject extra = new JsonObject();
        extra.addProperty("acceptance_rate", 0.75);
        f.withTask("code", new RecordedSettings(4, 6, 1.5, "2026-12-01"), extra)
                .withTask("copy", new RecordedSettings(3, 8, 1.9, "2026-12-01"), null)
                .write(dir);
        RecordedSettingsFile back = RecordedSettingsFile.read(dir, 16).orElseThrow();
        Assert.assertEquals(
                back.defaults().orElseThrow(), new RecordedSettings(5, 3, Double.NaN, ""));
        Assert.assertEquals(
                back.task("code").orElseThrow(), new RecordedSettings(4, 6, 1.5, "2026-12-01"));
        Assert.assertEquals(back.task("copy").orElseThrow().exitLayer(), 3);
        JsonObject o =
                JsonParser.parseString(Files.readString(dir.resolve(RecordedSettings.FILE_NAME)))
                        .getAsJsonObject();
        Assert.assertEquals(o.get("command").getAsString(), "x");
        Assert.assertEquals(
                o.getAsJsonObject("tasks")
                        .getAsJsonObject("code")
                        .get("acceptance_rate")
                        .getAsDouble(),
                0.75);
        // new defaults keep the tasks
        back.withDefaults(new RecordedSettings(6, 2, 1.2, "2026-12-02"), null).write(dir);
        RecordedSettingsFile again = RecordedSettingsFile.read(dir, 16).orElseThrow();
        Assert.assertEquals(again.defaults().orElseThrow().exitLayer(), 6);
        Assert.assertEquals(again.tasks().keySet().toString(), "[code, copy]");
    }

    @Test
    public void aFileWithTasksOnlyHasNoDefaults() throws IOException {
        Path dir =
                folderWith("{\"tasks\": {\"copy\": {\"exit_layer\": 2, \"num_speculations\": 4}}}");
        Assert.assertEquals(RecordedSettings.read(dir, 8), Optional.empty());
        Assert.assertEquals(
                RecordedSettingsFile.read(dir, 8).orElseThrow().task("copy").orElseThrow(),
                new RecordedSettings(2, 4, Double.NaN, ""));
    }

    @DataProvider
    public Object[][] malformed() {
        return new Object[][] {
            {
                "{\"exit_layer\": 1.7, \"num_speculations\": 2}",
                "field 'exit_layer' must be an integer, got 1.7"
            },
            {
                "{\"exit_layer\": 2, \"num_speculations\": 2.5}",
                "field 'num_speculations' must be an integer"
            },
            {
                "{\"exit_layer\": \"2\", \"num_speculations\": 2}",
                "field 'exit_layer' must be an integer"
            },
            {"{\"exit_layer\": 2}", "field 'num_speculations' is missing"},
            {"{\"num_speculations\": 2}", "field 'exit_layer' is missing"},
            {"{}", "field 'exit_layer' is missing"},
            {"{\"exit_layer\": 99, \"num_speculations\": 2}", "exit_layer must be in [1, 7]"},
            {"{\"exit_layer\": 0, \"num_speculations\": 2}", "exit_layer must be in [1, 7]"},
            {"{\"exit_layer\": 1e30, \"num_speculations\": 2}", "exit_layer must be in [1, 7]"},
            {"{\"exit_layer\": 2, \"num_speculations\": 0}", "num_speculations in [1, 1024]"},
            {
                "{\"exit_layer\": 2, \"num_speculations\": 2, \"speedup\": \"fast\"}",
                "field 'speedup' must be a finite number"
            },
            {
                "{\"exit_layer\": 2, \"num_speculations\": 2, \"measured_on\": 5}",
                "field 'measured_on' must be a string"
            },
            {"[1, 2]", "must hold a JSON object"},
            {"{\"exit_layer\": 2, // comment\n \"num_speculations\": 2}", "is not valid JSON"},
            {"{\"exit_layer\": 2, \"num_speculations\": 2} trailing", "is not valid JSON"},
            {
                "{\"exit_layer\": 2, \"num_speculations\": 2, \"tasks\": []}",
                "field 'tasks' must be an object"
            },
            {
                "{\"tasks\": {\"code\": {\"exit_layer\": 9, \"num_speculations\": 1}}}",
                "tasks.code.exit_layer must be in [1, 7]"
            },
            {
                "{\"tasks\": {\"code\": {\"exit_layer\": 1.5, \"num_speculations\": 1}}}",
                "field 'tasks.code.exit_layer' must be an integer"
            },
            {
                "{\"tasks\": {\"code\": {\"exit_layer\": 2}}}",
                "field 'tasks.code.num_speculations' is missing"
            },
            {"{\"tasks\": {\"code\": {}}}", "field 'tasks.code.exit_layer' is missing"},
            {"{\"tasks\": {\"code\": 3}}", "field 'tasks.code' must be an object"},
            {
                "{\"tasks\": {\"../x\": {\"exit_layer\": 2, \"num_speculations\": 1}}}",
                "is not a valid name"
            },
        };
    }

    @Test(dataProvider = "malformed")
    public void malformedFilesFailWithOneMessageNamingTheFileAndField(String json, String expected)
            throws IOException {
        Path dir = folderWith(json);
        IllegalArgumentException e =
                Assert.expectThrows(
                        IllegalArgumentException.class, () -> RecordedSettingsFile.read(dir, 8));
        String m = e.getMessage();
        Assert.assertTrue(m.contains(expected), m);
        Assert.assertTrue(m.startsWith(dir.resolve(RecordedSettings.FILE_NAME).toString()), m);
        Assert.assertFalse(m.contains("\n"), m);
        Assert.assertFalse(m.contains("NullPointer"), m);
        // the consumers that read only the defaults fail the same way
        Assert.expectThrows(IllegalArgumentException.class, () -> RecordedSettings.read(dir, 8));
    }

    @Test
    public void notUtf8IsRejected() throws IOException {
        Path dir = Files.createTempDirectory("layerskip-recorded");
        Files.write(dir.resolve(RecordedSettings.FILE_NAME), new byte[] {'{', (byte) 0xff, '}'});
        IllegalArgumentException e =
                Assert.expectThrows(
                        IllegalArgumentException.class, () -> RecordedSettingsFile.read(dir, 8));
        Assert.assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    }

    @Test
    public void aFolderInPlaceOfTheFileIsRejected() throws IOException {
        Path dir = Files.createTempDirectory("layerskip-recorded");
        Files.createDirectory(dir.resolve(RecordedSettings.FILE_NAME));
        IllegalArgumentException e =
                Assert.expectThrows(
                        IllegalArgumentException.class, () -> RecordedSettingsFile.read(dir, 8));
        Assert.assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @Test
    public void writeReplacesTheFileAtomically() throws IOException {
        Path dir = folderWith("{\"exit_layer\": 5, \"num_speculations\": 3}");
        new RecordedSettings(2, 2, 1.1, "d").write(dir);
        String text =
                Files.readString(dir.resolve(RecordedSettings.FILE_NAME), StandardCharsets.UTF_8);
        Assert.assertTrue(text.contains("\"exit_layer\": 2"), text);
        try (var s = Files.list(dir)) {
            Assert.assertEquals(s.count(), 1L, "no temporary file left");
        }
    }
}
