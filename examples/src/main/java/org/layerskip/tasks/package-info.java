/**
 * Task suites for benchmarking early exit and self-speculative decoding the way the LayerSkip paper
 * reports them (per task, with a quality metric): {@link org.layerskip.tasks.TaskSuite} (a
 * versioned JSON file of prompts and held-out truths; {@code code}, {@code copy} and {@code free}
 * are bundled, written by {@code scripts/make_task_suites.py}), {@link
 * org.layerskip.tasks.EncodedTask} (the suite tokenized for one model) and {@link
 * org.layerskip.tasks.TaskScores} (the quality metrics of a strategy's outputs).
 */
package org.layerskip.tasks;
