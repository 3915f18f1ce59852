package org.layerskip.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Three first-time runs of {@code scripts/layerskip} at once, in a fresh copy of the repository
 * (the files a clone has, no build output): before the build lock, all but one failed with a Maven
 * compilation error ({@code zip file is empty}) because they compiled into the same folders. Now
 * one builds, the others wait for it and find the build done, and all three generate.
 */
public class LauncherConcurrencyTest {

    private static final int RUNS = 3;

    private static Path repositoryRoot() {
        return Paths.get(System.getProperty("user.dir")).resolve("..").toAbsolutePath().normalize();
    }

    /**
     * The files of a fresh clone: tracked and untracked-but-not-ignored (so uncommitted work too).
     */
    private static List<String> cloneFiles(Path root) throws IOException, InterruptedException {
        Process git =
                new ProcessBuilder(
                                "git",
                                "-C",
                                root.toString(),
                                "ls-files",
                                "-z",
                                "--cached",
                                "--others",
                                "--exclude-standard")
                        .redirectErrorStream(false)
                        .start();
        byte[] out = git.getInputStream().readAllBytes();
        if (git.waitFor() == 0) {
            List<String> files = new ArrayList<>();
            for (String f : new String(out, StandardCharsets.UTF_8).split("\0")) {
                if (!f.isEmpty()) {
                    files.add(f);
                }
            }
            return files;
        }
        // no git (a source archive): everything but build output and caches
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString())
                    .filter(
                            p ->
                                    !p.startsWith(".git")
                                            && !p.startsWith(".cache")
                                            && !p.startsWith("build-out")
                                            && !p.contains("target/"))
                    .toList();
        }
    }

    @Test(groups = "slow", timeOut = 900_000)
    public void threeFirstRunsAtOnceAllSucceedAndBuildOnce() throws Exception {
        Path root = repositoryRoot();
        Path copy = Files.createTempDirectory("layerskip-fresh-clone");
        try {
            for (String f : cloneFiles(root)) {
                Path src = root.resolve(f);
                if (Files.isRegularFile(src)) {
                    Path dst = copy.resolve(f);
                    Files.createDirectories(dst.getParent());
                    Files.copy(src, dst);
                }
            }
            // this machine's Maven settings (e.g. a private local repository), not part of a clone
            Path mavenConfig = root.resolve(".mvn/maven.config");
            if (Files.isRegularFile(mavenConfig)
                    && !Files.exists(copy.resolve(".mvn/maven.config"))) {
                Files.createDirectories(copy.resolve(".mvn"));
                Files.copy(mavenConfig, copy.resolve(".mvn/maven.config"));
            }
            Assert.assertFalse(Files.exists(copy.resolve("examples/target")), "a fresh copy");

            List<Process> runs = new ArrayList<>();
            List<Path> outs = new ArrayList<>();
            List<Path> errs = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                Path out = copy.resolve("run" + i + ".out");
                Path err = copy.resolve("run" + i + ".err");
                ProcessBuilder pb =
                        new ProcessBuilder(
                                        "bash",
                                        copy.resolve("scripts/layerskip").toString(),
                                        "generate",
                                        "--prompt-ids",
                                        "1,2,3",
                                        "--max-new-tokens",
                                        "4",
                                        "--ignore-eos",
                                        "--json",
                                        "--threads",
                                        "1")
                                .directory(copy.toFile())
                                .redirectOutput(out.toFile())
                                .redirectError(err.toFile());
                pb.environment().put("MVN_ARGS", "-o"); // everything is in the local repository
                pb.environment().remove("LAYERSKIP_NO_BUILD");
                runs.add(pb.start());
                outs.add(out);
                errs.add(err);
            }
            int builds = 0;
            for (int i = 0; i < RUNS; i++) {
                Process p = runs.get(i);
                if (!p.waitFor(600, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    Assert.fail("run " + i + " did not finish: " + Files.readString(errs.get(i)));
                }
                String err = Files.readString(errs.get(i));
                Assert.assertEquals(p.exitValue(), 0, "run " + i + ": " + err);
                JsonObject o =
                        JsonParser.parseString(Files.readString(outs.get(i))).getAsJsonObject();
                Assert.assertEquals(o.get("num_generated").getAsInt(), 4, "run " + i);
                builds +=
                        (int) err.lines().filter(l -> l.startsWith("layerskip: building")).count();
            }
            Assert.assertEquals(
                    builds, 1, "exactly one of the runs builds, the others wait for it");
        } finally {
            try (Stream<Path> s = Files.walk(copy)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
