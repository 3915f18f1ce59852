package org.layerskip.train;

import static org.layerskip.train.TrainingCheckpointsTest.temporaries;

import ai.djl.ndarray.NDManager;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

/**
 * Kills a training process with SIGKILL (once deterministically inside a checkpoint write, then at
 * seeded random moments) and checks after every kill that the newest checkpoint loads, that the
 * next run resumes from it, and finally that the per-step losses of the killed-and-resumed run
 * equal those of an uninterrupted run in another process, bit for bit.
 *
 * <p>CI runs 3 random kills with a fixed seed; {@code -Dlayerskip.crash.kills=N} and {@code
 * -Dlayerskip.crash.seed=S} run a longer or different series.
 */
public class TrainingCrashTest {

    private static final int RANDOM_KILLS = Integer.getInteger("layerskip.crash.kills", 3);
    private static final long SEED = Long.getLong("layerskip.crash.seed", 20240507);

    @Test(groups = "slow", timeOut = 300_000)
    public void killedAndResumedTrainingMatchesAnUninterruptedRun() throws Exception {
        Path root = Files.createTempDirectory("ls-crash");

        // the reference: one uninterrupted run in its own process
        Path refMetrics = root.resolve("reference.jsonl");
        long trainMillis;
        try (ChildJvm ref =
                ChildJvm.start(0, root.resolve("reference").toString(), refMetrics.toString())) {
            Assert.assertEquals(ref.await("RESUMED "), "0");
            long t0 = System.nanoTime();
            Assert.assertEquals(ref.await("DONE "), Integer.toString(KillableTraining.STEPS));
            trainMillis = (System.nanoTime() - t0) / 1_000_000;
            Assert.assertEquals(ref.waitFor(), 0, ref.report());
        }
        double[] expected = losses(refMetrics);

        Path checkpoints = root.resolve("checkpoints");
        Path metrics = root.resolve("metrics.jsonl");
        String[] args = {checkpoints.toString(), metrics.toString()};

        // 1. killed inside the write of checkpoint 4: weights written, no marker, no rename
        try (ChildJvm c = ChildJvm.start(0, args[0], args[1], "--pause-in-checkpoint", "4")) {
            Assert.assertEquals(c.await("RESUMED "), "0");
            Assert.assertEquals(c.await("PAUSED "), "4");
            Assert.assertTrue(c.kill());
        }
        List<Path> torn = temporaries(checkpoints);
        Assert.assertEquals(torn.size(), 1, torn.toString());
        Assert.assertTrue(Files.isRegularFile(torn.get(0).resolve("model/model.safetensors")));
        Assert.assertFalse(Files.exists(torn.get(0).resolve(TrainingCheckpoints.MARKER)));
        Assert.assertFalse(Files.exists(checkpoints.resolve(TrainingCheckpoints.name(4))));
        long last = assertLatestLoads(checkpoints);
        Assert.assertEquals(last, 2);

        // 2. killed at seeded random moments of the training phase (steps, checkpoint writes,
        // pruning), within the first 3/4 of the time the remaining steps took the reference run;
        // each run must resume from the checkpoint the previous kill left
        Random random = new Random(SEED);
        List<String> story = new ArrayList<>();
        int interrupted = 0;
        for (int k = 0; k < RANDOM_KILLS; k++) {
            List<Path> before = temporaries(checkpoints);
            try (ChildJvm c = ChildJvm.start(0, args)) {
                Assert.assertEquals(Long.parseLong(c.await("RESUMED ")), last, "kill " + k);
                long remaining =
                        trainMillis * (KillableTraining.STEPS - last) / KillableTraining.STEPS;
                long delay = (long) (random.nextDouble() * 0.75 * remaining);
                Thread.sleep(delay);
                c.kill();
                last = assertLatestLoads(checkpoints);
                interrupted += last < KillableTraining.STEPS ? 1 : 0;
                // a temporary this run created: the kill fell inside a write or a deletion
                List<Path> left = temporaries(checkpoints);
                left.removeAll(before);
                String where = left.isEmpty() ? "" : " in " + left.get(0).getFileName();
                story.add("killed after " + delay + " ms" + where + ", latest " + last);
            }
        }
        Assert.assertTrue(interrupted > 0, "no random kill interrupted training: " + story);
        List<Path> left = temporaries(checkpoints); // at most the one a kill interrupted
        Assert.assertTrue(left.size() <= 1, left.toString());

        // 3. resumed to the end
        try (ChildJvm c = ChildJvm.start(0, args)) {
            Assert.assertEquals(Long.parseLong(c.await("RESUMED ")), last);
            Assert.assertEquals(c.await("DONE "), Integer.toString(KillableTraining.STEPS));
            Assert.assertEquals(c.waitFor(), 0, c.report());
        }
        Assert.assertEquals(temporaries(checkpoints), List.of()); // the torn folder was cleaned
        Assert.assertEquals(assertLatestLoads(checkpoints), KillableTraining.STEPS);

        System.out.println("TrainingCrashTest seed " + SEED + ": " + story);
        double[] actual = losses(metrics);
        for (int step = 0; step < expected.length; step++) {
            Assert.assertEquals(actual[step], expected[step], 0.0, "step " + step + "; " + story);
        }
    }

    /** Restores the newest checkpoint into a fresh model in this JVM and returns its step. */
    private static long assertLatestLoads(Path checkpoints) throws IOException {
        Optional<Path> latest = new TrainingCheckpoints(checkpoints, 2).latest();
        Assert.assertTrue(latest.isPresent(), "no complete checkpoint in " + checkpoints);
        try (NDManager manager = NDManager.newBaseManager()) {
            LayerSkipTrainer trainer = KillableTraining.trainer(manager, checkpoints);
            long step = trainer.resume().orElseThrow();
            Assert.assertEquals(
                    latest.get().getFileName().toString(), TrainingCheckpoints.name(step));
            return step;
        }
    }

    /** The per-step losses of a metrics log; a step run twice (after a resume) counts last. */
    static double[] losses(Path metrics) throws IOException {
        TreeMap<Long, Double> byStep = new TreeMap<>();
        for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            if (!o.has("event")) {
                byStep.put(o.get("step").getAsLong(), o.get("loss").getAsDouble());
            }
        }
        Assert.assertEquals(byStep.size(), KillableTraining.STEPS, byStep.keySet().toString());
        return byStep.values().stream().mapToDouble(Double::doubleValue).toArray();
    }
}
