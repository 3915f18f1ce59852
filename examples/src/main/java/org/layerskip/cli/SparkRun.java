package org.layerskip.cli;

import org.apache.spark.sql.SparkSession;
import org.layerskip.spark.BatchJob;
import org.layerskip.spark.BatchSummary;
import org.layerskip.spark.LayerSkipEvaluator;
import org.layerskip.spark.SparkFailures;
import org.layerskip.spark.SparkSessions;
import org.layerskip.train.LayerMetrics;

import java.util.List;

/**
 * The Spark side of {@code batch} and {@code eval-layers --spark-master}: starts the session, sets
 * the LibTorch threads of local executors so that tasks x threads fit the machine, and turns a
 * failed job into one line. (Kept apart so that commands load Spark classes only when asked to.)
 */
final class SparkRun {

    private final SparkSession spark;
    private final Integer threadsPerTask;
    private final double startSeconds;

    private SparkRun(SparkSession spark, Integer threadsPerTask, double startSeconds) {
        this.spark = spark;
        this.threadsPerTask = threadsPerTask;
        this.startSeconds = startSeconds;
    }

    static boolean isLocal(String master) {
        return SparkSessions.isLocal(master);
    }

    /**
     * Starts a session.
     *
     * @param master the master, or spark-submit's
     * @param threads --threads, or null: for a local[N] master, cores / N per task (at least 1)
     * @return the run
     */
    static SparkRun start(String master, Integer threads) {
        Integer perTask = threads;
        if (perTask == null
                && isLocal(master)
                && System.getProperty("ai.djl.pytorch.num_threads") == null) {
            int tasks = SparkSessions.localThreads(master);
            perTask = Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, tasks));
        }
        if (perTask != null && isLocal(master)) {
            // read by the PyTorch engine when it starts in this JVM (local executors live here)
            System.setProperty("ai.djl.pytorch.num_threads", perTask.toString());
        }
        long t0 = System.nanoTime();
        SparkSession s = SparkSessions.start(master, "layerskip");
        return new SparkRun(s, isLocal(master) ? perTask : null, (System.nanoTime() - t0) / 1e9);
    }

    Integer threadsPerTask() {
        return threadsPerTask;
    }

    double startSeconds() {
        return startSeconds;
    }

    int defaultParallelism() {
        return spark.sparkContext().defaultParallelism();
    }

    BatchSummary batch(BatchJob job, String input, String output, int partitions) {
        try {
            return job.runOnSpark(spark, input, output, partitions);
        } catch (Exception e) { // SparkException is checked, but Scala does not declare it
            throw new IllegalStateException(SparkFailures.describe(e), e);
        }
    }

    LayerMetrics evaluate(LayerSkipEvaluator evaluator, List<long[]> windows, int partitions) {
        try {
            return evaluator.evaluateWindows(spark, windows, partitions);
        } catch (Exception e) { // SparkException is checked, but Scala does not declare it
            throw new IllegalStateException(SparkFailures.describe(e), e);
        }
    }

    void stop() {
        spark.stop();
    }
}
