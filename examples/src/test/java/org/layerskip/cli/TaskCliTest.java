package org.layerskip.cli;

import static org.layerskip.cli.LayerSkipCliTest.assertOneErrorLine;
import static org.layerskip.cli.LayerSkipCliTest.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.layerskip.cli.LayerSkipCliTest.Run;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.Generator;
import org.layerskip.io.HfLlama;
import org.layerskip.io.RecordedSettings;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tasks.TaskExample;
import org.layerskip.tasks.TaskSuite;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.zoo.LayerSkipModels;
import org.testng.Assert;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code bench|sweep|generate --task} on small slices of the bundled suites with the bundled model:
 * quality per strategy (checked against an independent computation), per-task records in
 * layerskip.json, and bad input (one line, exit code, nothing written).
 */
public class TaskCliTest {

    private Path model;

    /** A private copy of the bundled LayerSkip model, so sweeps may record into it. */
    @BeforeClass
    public void copyModel() throws IOException {
        Path src = LayerSkipModels.resolve("tiny-layerskip");
        model = Files.createTempDirectory("layerskip-task").resolve("tiny-layerskip");
        Files.createDirectories(model);
        try (Stream<Path> files = Files.list(src)) {
            for (Path p : files.collect(Collectors.toList())) {
                if (!p.getFileName().toString().equals(RecordedSettings.FILE_NAME)) {
                    Files.copy(p, model.resolve(p.getFileName().toString()));
                }
            }
        }
        Files.writeString(
                model.resolve(RecordedSettings.FILE_NAME),
                "{\"exit_layer\": 3, \"num_speculations\": 2, \"command\": \"by hand\"}");
    }

    @Test(groups = "slow")
    public void benchReportsTheSuitesQualityForEveryStrategy() throws IOException {
        Run r =
                cli(
                        "bench",
                        "--model",
                        model.toString(),
                        "--task",
                        "code",
                        "--limit",
                        "2",
                        "--max-new-tokens",
                        "8",
                        "--repeats",
                        "1",
                        "--warmup",
                        "0",
                        "--threads",
                        "1",
                        "--exit-layer",
                        "2",
                        "--num-speculations",
                        "3",
                        "--json");
        Assert.assertEquals(r.code(), 0, r.err());
        JsonObject o = r.json();
        Assert.assertEquals(o.get("task").getAsString(), "code");
        Assert.assertEquals(o.get("num_prompts").getAsInt(), 2);
        Assert.assertEquals(o.get("max_new_tokens").getAsInt(), 8);
        JsonArray rows = o.getAsJsonArray("results");
        JsonObject arQ = rows.get(0).getAsJsonObject().getAsJsonObject("quality");
        Assert.assertEquals(
                arQ.keySet(),
                java.util.Set.of(
                        "token_accuracy",
                        "first_line_exact_match",
                        "agreement_with_autoregressive"));
        Assert.assertEquals(arQ.get("agreement_with_autoregressive").getAsDouble(), 1.0);
        Assert.assertEquals(
                arQ.get("token_accuracy").getAsDouble(), independentTokenAccuracy(2, 8), 1e-12);
        for (int i : new int[] {2, 3}) { // self-speculative rows: exact, so the same quality
            JsonObject row = rows.get(i).getAsJsonObject();
            Assert.assertTrue(row.get("identical_to_autoregressive").getAsBoolean());
            Assert.assertEquals(row.getAsJsonObject("quality"), arQ);
        }
        JsonObject ee = rows.get(1).getAsJsonObject();
        Assert.assertEquals(ee.get("strategy").getAsString(), "early-exit");
        double agree =
                ee.getAsJsonObject("quality").get("agreement_with_autoregressive").getAsDouble();
        Assert.assertTrue(agree >= 0 && agree <= 1, "agreement " + agree);
        Assert.assertEquals(agree == 1.0, ee.get("identical_to_autoregressive").getAsBoolean());
    }

    /** Greedy full-depth continuations scored by hand against the truth's tokens. */
    private double independentTokenAccuracy(int examples, int n) throws IOException {
        TaskSuite code = TaskSuite.bundled("code");
        try (NDManager manager = NDManager.newBaseManager();
                LlamaTokenizer tok = LlamaTokenizer.load(model)) {
            LlamaModel m = HfLlama.load(model, manager, DataType.FLOAT32);
            Generator gen = new Generator(m);
            int correct = 0;
            int total = 0;
            for (TaskExample e : code.examples().subList(0, examples)) {
                long[] prompt = tok.encode(e.prompt());
                long[] joint = tok.encode(e.prompt() + e.truth());
                long[] truth =
                        Arrays.copyOfRange(
                                joint, prompt.length, Math.min(joint.length, prompt.length + n));
                long[] out =
                        gen.generate(
                                        prompt,
                                        GenerationOptions.builder()
                                                .optStrategy(DecodingStrategy.AUTOREGRESSIVE)
                                                .optMaxNewTokens(n)
                                                .build(),
                                        null)
                                .tokenIds();
                for (int i = 0; i < truth.length; i++) {
                    correct += i < out.length && out[i] == truth[i] ? 1 : 0;
                }
                total += truth.length;
            }
            return (double) correct / total;
        }
    }

    @Test(groups = "slow")
    public void sweepRecordsTheBestPairPerTaskAndGenerateUsesIt() throws IOException {
        Run r =
                cli(
                        "sweep",
                        "--model",
                        model.toString(),
                        "--task",
                        "copy",
                        "--limit",
                        "1",
                        "--exit-layers",
                        "2:3",
                        "--num-speculations",
                        "1,2",
                        "--max-new-tokens",
                        "6",
                        "--repeats",
                        "1",
                        "--warmup",
                        "0",
                        "--threads",
                        "1",
                        "--timing",
                        "cpu",
                        "--record");
        Assert.assertEquals(r.code(), 0, r.err());
        Assert.assertTrue(r.out().contains("early exit E=2"), r.out());
        Assert.assertTrue(r.out().contains("early exit E=3"), r.out());
        Assert.assertTrue(r.out().contains("best for task copy: exit_layer="), r.out());
        JsonObject rec =
                JsonParser.parseString(Files.readString(model.resolve(RecordedSettings.FILE_NAME)))
                        .getAsJsonObject();
        Assert.assertEquals(rec.get("exit_layer").getAsInt(), 3, "defaults kept");
        Assert.assertEquals(rec.get("num_speculations").getAsInt(), 2);
        Assert.assertEquals(rec.get("command").getAsString(), "by hand");
        JsonObject copy = rec.getAsJsonObject("tasks").getAsJsonObject("copy");
        int e = copy.get("exit_layer").getAsInt();
        int d = copy.get("num_speculations").getAsInt();
        Assert.assertTrue(e >= 2 && e <= 3 && d >= 1 && d <= 2, copy.toString());
        Assert.assertTrue(copy.get("command").getAsString().startsWith("layerskip sweep --model"));
        Assert.assertEquals(copy.get("timing").getAsString(), "cpu");
        Assert.assertTrue(
                r.out().contains("best for task copy: exit_layer=" + e + " num_speculations=" + d));

        // --json: the same measurements as one object, early exit with the suite's quality
        Run j =
                cli(
                        "sweep",
                        "--model",
                        model.toString(),
                        "--task",
                        "copy",
                        "--limit",
                        "1",
                        "--exit-layers",
                        "2:3",
                        "--num-speculations",
                        "1",
                        "--max-new-tokens",
                        "6",
                        "--repeats",
                        "1",
                        "--warmup",
                        "0",
                        "--threads",
                        "1",
                        "--json");
        Assert.assertEquals(j.code(), 0, j.err());
        JsonObject o = j.json();
        Assert.assertEquals(o.get("task").getAsString(), "copy");
        Assert.assertTrue(o.get("recorded").isJsonNull());
        Assert.assertEquals(o.getAsJsonArray("early_exit").size(), 2);
        JsonObject ee = o.getAsJsonArray("early_exit").get(0).getAsJsonObject();
        Assert.assertEquals(ee.get("exit_layer").getAsInt(), 2);
        Assert.assertTrue(ee.getAsJsonObject("quality").size() > 0, ee.toString());
        Assert.assertTrue(
                o.getAsJsonObject("autoregressive").getAsJsonObject("quality").size() > 0);
        Assert.assertEquals(
                JsonParser.parseString(Files.readString(model.resolve(RecordedSettings.FILE_NAME)))
                        .getAsJsonObject()
                        .getAsJsonObject("tasks")
                        .getAsJsonObject("copy"),
                copy,
                "a sweep without --record leaves layerskip.json alone");

        Run g =
                cli(
                        "generate",
                        "--model",
                        model.toString(),
                        "--task",
                        "copy",
                        "--prompt",
                        "def f(x):",
                        "--max-new-tokens",
                        "4",
                        "--json");
        Assert.assertEquals(g.code(), 0, g.err());
        Assert.assertEquals(g.json().get("exit_layer").getAsInt(), e);
        Assert.assertEquals(g.json().get("num_speculations").getAsInt(), d);
        Run plain =
                cli(
                        "generate",
                        "--model",
                        model.toString(),
                        "--prompt",
                        "def f(x):",
                        "--max-new-tokens",
                        "4",
                        "--json");
        Assert.assertEquals(plain.json().get("exit_layer").getAsInt(), 3);
        // a task never swept falls back to the defaults
        Run code =
                cli(
                        "generate",
                        "--model",
                        model.toString(),
                        "--task",
                        "code",
                        "--prompt",
                        "x",
                        "--max-new-tokens",
                        "2",
                        "--json");
        Assert.assertEquals(code.json().get("exit_layer").getAsInt(), 3);
    }

    @Test(groups = "slow")
    public void badTaskInputIsOneLineAndWritesNothing() throws IOException {
        Path dir = Files.createTempDirectory("layerskip-task-bad");
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"format\": \"layerskip-task-suite\", \"version\": 1}");
        Path csv = dir.resolve("grid.csv");
        Path png = dir.resolve("grid.png");
        String before = Files.readString(model.resolve(RecordedSettings.FILE_NAME));
        String m = model.toString();
        List<Object[]> cases =
                List.of(
                        new Object[] {
                            2, new String[] {"bench", "--model", m, "--task", "summarise"}
                        },
                        new Object[] {
                            2,
                            new String[] {
                                "sweep", "--model", m, "--task", "nope", "--csv", csv.toString()
                            }
                        },
                        new Object[] {
                            2,
                            new String[] {
                                "generate", "--model", m, "--task", "nope", "--prompt", "x"
                            }
                        },
                        new Object[] {
                            2,
                            new String[] {
                                "bench", "--model", m, "--task", "code", "--prompt-ids", "1"
                            }
                        },
                        new Object[] {2, new String[] {"bench", "--model", m, "--limit", "2"}},
                        new Object[] {
                            2,
                            new String[] {"bench", "--model", m, "--task", "code", "--limit", "0"}
                        },
                        new Object[] {
                            1,
                            new String[] {
                                "bench",
                                "--model",
                                m,
                                "--task",
                                dir.resolve("missing.json").toString()
                            }
                        },
                        new Object[] {
                            1,
                            new String[] {
                                "generate",
                                "--model",
                                m,
                                "--task",
                                dir.resolve("missing.json").toString(),
                                "--prompt",
                                "x"
                            }
                        },
                        new Object[] {
                            1,
                            new String[] {
                                "sweep",
                                "--model",
                                m,
                                "--task",
                                broken.toString(),
                                "--csv",
                                csv.toString(),
                                "--png",
                                png.toString()
                            }
                        });
        for (Object[] c : cases) {
            Run r = cli((String[]) c[1]);
            assertOneErrorLine(r, (Integer) c[0]);
        }
        Run r = cli("bench", "--model", m, "--task", broken.toString());
        Assert.assertTrue(
                r.err().contains(broken.toString()) && r.err().contains("field 'name' is missing"),
                r.err());
        r = cli("bench", "--model", m, "--task", "summarise");
        Assert.assertTrue(r.err().contains("unknown task 'summarise'"), r.err());
        Assert.assertFalse(Files.exists(csv));
        Assert.assertFalse(Files.exists(png));
        Assert.assertEquals(Files.readString(model.resolve(RecordedSettings.FILE_NAME)), before);
    }

    @Test(groups = "slow")
    public void malformedRecordedSettingsAreOneLine() throws IOException {
        Path dir = Files.createTempDirectory("layerskip-task-rec");
        Path copy = dir.resolve("m");
        Files.createDirectories(copy);
        for (String f :
                new String[] {
                    "config.json",
                    "generation_config.json",
                    "model.safetensors",
                    "tokenizer.json",
                    "tokenizer_config.json"
                }) {
            Files.copy(model.resolve(f), copy.resolve(f));
        }
        Files.writeString(
                copy.resolve(RecordedSettings.FILE_NAME),
                "{\"exit_layer\": 1.7, \"num_speculations\": 2}");
        Run r =
                cli(
                        "generate",
                        "--model",
                        copy.toString(),
                        "--prompt",
                        "x",
                        "--max-new-tokens",
                        "2");
        assertOneErrorLine(r, 1);
        Assert.assertTrue(
                r.err().contains("field 'exit_layer' must be an integer, got 1.7"), r.err());
        Files.writeString(copy.resolve(RecordedSettings.FILE_NAME), "{\"exit_layer\": 2}");
        r = cli("generate", "--model", copy.toString(), "--prompt", "x", "--max-new-tokens", "2");
        assertOneErrorLine(r, 1);
        Assert.assertTrue(r.err().contains("field 'num_speculations' is missing"), r.err());
    }
}
