package org.layerskip.tasks;

import org.layerskip.zoo.BundledModels;
import org.testng.Assert;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The bundled task suites and the suite file format (strict, one message per problem). */
public class TaskSuiteTest {

    private static final String VALID =
            "{\"format\": \"layerskip-task-suite\", \"version\": 1, \"name\": \"mini\","
                    + " \"metrics\": [\"token_accuracy\"], \"max_new_tokens\": 8,"
                    + " \"examples\": [{\"id\": \"a\", \"prompt\": \"def f(x):\", \"truth\": \"\\n    return x\"},"
                    + " {\"id\": \"b\", \"prompt\": \"x =\", \"truth\": \" 1\"}]}";

    @Test
    public void bundledSuitesHaveTheirMetricsAndPrompts() {
        TaskSuite code = TaskSuite.bundled("code");
        Assert.assertEquals(
                code.metrics(),
                List.of(TaskMetric.TOKEN_ACCURACY, TaskMetric.FIRST_LINE_EXACT_MATCH));
        Assert.assertEquals(code.examples().size(), 24);
        TaskSuite copy = TaskSuite.bundled("copy");
        Assert.assertEquals(copy.metrics(), List.of(TaskMetric.TOKEN_ACCURACY));
        Assert.assertEquals(copy.examples().size(), 16);
        TaskSuite free = TaskSuite.bundled("free");
        Assert.assertEquals(free.metrics(), List.of(TaskMetric.AGREEMENT_WITH_AUTOREGRESSIVE));
        Assert.assertEquals(free.examples().get(1).prompt(), "def fibonacci(n):");
        Assert.assertNull(free.examples().get(0).truth());
        for (String name : TaskSuite.BUNDLED) {
            TaskSuite s = TaskSuite.resolve(name);
            Assert.assertEquals(s.name(), name);
            Assert.assertEquals(s.version(), TaskSuite.VERSION);
            Set<String> ids = new HashSet<>();
            for (TaskExample e : s.examples()) {
                Assert.assertTrue(ids.add(e.id()), "duplicate id " + e.id());
                char last = e.prompt().charAt(e.prompt().length() - 1);
                Assert.assertFalse(
                        Character.isWhitespace(last), e.id() + ": prompt ends with whitespace");
                if (e.truth() != null) {
                    Assert.assertTrue(Character.isWhitespace(e.truth().charAt(0)), e.id());
                }
            }
        }
    }

    /**
     * Code and copy come only from the held-out split: every line of every prompt and truth is a
     * line of the bundled held-out text (up to the indentation removed from methods), except the
     * renamed twin's edited lines in the copy suite, whose original lines are in the prompt.
     */
    @Test
    public void codeAndCopyComeFromTheHeldOutSplit() {
        String held = BundledModels.heldoutText().orElseThrow();
        Set<String> heldLines = new HashSet<>();
        for (String l : held.split("\n")) {
            heldLines.add(l.strip());
        }
        for (TaskExample e : TaskSuite.bundled("code").examples()) {
            for (String l : (e.prompt() + e.truth()).split("\n")) {
                Assert.assertTrue(heldLines.contains(l.strip()), e.id() + ": '" + l + "'");
            }
        }
        for (TaskExample e : TaskSuite.bundled("copy").examples()) {
            int twin = e.prompt().lastIndexOf("\n\n\n");
            Assert.assertTrue(twin > 0, e.id());
            String original = e.prompt().substring(0, twin);
            for (String l : original.split("\n")) {
                Assert.assertTrue(heldLines.contains(l.strip()), e.id() + ": '" + l + "'");
            }
            String twinHead = e.prompt().substring(twin + 3);
            Assert.assertTrue(twinHead.startsWith("def ") && twinHead.contains("_copy("), e.id());
            // the twin's body restates the original's, lightly edited: most lines are verbatim
            String[] body = e.truth().strip().split("\n");
            long verbatim = java.util.Arrays.stream(body).filter(original::contains).count();
            Assert.assertTrue(
                    verbatim * 2 >= body.length, e.id() + ": " + verbatim + "/" + body.length);
        }
    }

    @Test
    public void parsesAFileAndSlicesIt() throws IOException {
        Path f = Files.createTempFile("suite", ".json");
        Files.writeString(f, VALID);
        TaskSuite s = TaskSuite.resolve(f.toString());
        Assert.assertEquals(s.name(), "mini");
        Assert.assertEquals(s.maxNewTokens(), 8);
        Assert.assertEquals(
                s.examples().get(0), new TaskExample("a", "def f(x):", "\n    return x"));
        Assert.assertEquals(s.slice(1).examples().size(), 1);
        Assert.assertSame(s.slice(5), s);
        Assert.expectThrows(IllegalArgumentException.class, () -> s.slice(0));
    }

    @Test
    public void unknownNamesAndMissingFilesAreNamed() {
        IllegalArgumentException e =
                Assert.expectThrows(
                        IllegalArgumentException.class, () -> TaskSuite.resolve("summarise"));
        Assert.assertTrue(e.getMessage().contains("unknown task 'summarise'"), e.getMessage());
        Assert.assertTrue(e.getMessage().contains("code, copy, free"), e.getMessage());
        e =
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () -> TaskSuite.resolve("/nonexistent/suite.json"));
        Assert.assertEquals(e.getMessage(), "task suite file not found: /nonexistent/suite.json");
    }

    @DataProvider
    public Object[][] malformed() {
        return new Object[][] {
            {"not json", "is not valid JSON"},
            {"[]", "must hold a JSON object"},
            {VALID.replace("layerskip-task-suite", "other"), "field 'format' must be"},
            {
                VALID.replace("\"version\": 1", "\"version\": 2"),
                "format version 2 is not supported"
            },
            {
                VALID.replace("\"version\": 1", "\"version\": 1.5"),
                "field 'version' must be an integer"
            },
            {VALID.replace("\"name\": \"mini\", ", ""), "field 'name' is missing"},
            {VALID.replace("\"mini\"", "\"../x\""), "field 'name' must be a short name"},
            {VALID.replace("token_accuracy", "bleu"), "unknown metric 'bleu'"},
            {
                VALID.replace("\"max_new_tokens\": 8", "\"max_new_tokens\": 0"),
                "field 'max_new_tokens' must be in"
            },
            {VALID.replace(", \"truth\": \" 1\"", ""), "examples[1].truth' is missing"},
            {VALID.replace("\"id\": \"b\"", "\"id\": \"a\""), "example id 'a' appears twice"},
            {
                VALID.replace("\"prompt\": \"x =\"", "\"prompt\": \"\""),
                "examples[1].prompt' is empty"
            },
            {
                VALID.replace("\"prompt\": \"x =\"", "\"prompt\": 5"),
                "field 'prompt' must be a string"
            },
            {
                VALID.replace("\"examples\": [", "\"examples\": [3, "),
                "examples[0]' must be an object"
            },
            {
                VALID.replaceAll("\"examples\": \\[.*\\]", "\"examples\": []"),
                "field 'examples' is empty"
            },
            {VALID + " x", "is not valid JSON"},
            {VALID.replace("{\"format\"", "{// c\n\"format\""), "is not valid JSON"},
        };
    }

    @Test(dataProvider = "malformed")
    public void malformedFilesFailWithOneLineNamingTheFile(String json, String expected)
            throws IOException {
        Path f = Files.createTempFile("suite", ".json");
        Files.writeString(f, json, StandardCharsets.UTF_8);
        IllegalArgumentException e =
                Assert.expectThrows(IllegalArgumentException.class, () -> TaskSuite.load(f));
        Assert.assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        Assert.assertTrue(e.getMessage().contains(expected), e.getMessage());
        Assert.assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    public void binaryAndFoldersAreRejected() throws IOException {
        Path f = Files.createTempFile("suite", ".json");
        Files.write(f, new byte[] {'{', (byte) 0xc3, '}'});
        Assert.assertTrue(
                Assert.expectThrows(IllegalArgumentException.class, () -> TaskSuite.load(f))
                        .getMessage()
                        .contains("not UTF-8"));
        Path d = Files.createTempDirectory("suite");
        Assert.assertTrue(
                Assert.expectThrows(IllegalArgumentException.class, () -> TaskSuite.load(d))
                        .getMessage()
                        .contains("is a folder"));
    }
}
