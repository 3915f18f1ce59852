/**
 * LayerSkip on Apache Spark: batch generation as a Spark ML {@link
 * org.layerskip.spark.LayerSkipGenerator Transformer}, per-exit-layer evaluation as a Spark ML
 * {@link org.layerskip.spark.LayerSkipEvaluator Evaluator}, and the JSON-lines batch job behind
 * {@code layerskip batch}.
 *
 * <p>Each executor JVM loads a model once ({@link org.layerskip.spark.ExecutorModels}, keyed by
 * model and dtype, closed at JVM exit) and shares it between the tasks it runs; every partition
 * task generates its prompts in batches with the library's batched strategies ({@link
 * org.layerskip.generate.Generator#generateBatch}). A bad row (empty prompt, prompt beyond the
 * context, invalid options) gets an error message in its output and the job goes on; a model that
 * cannot be found on an executor fails the job with one message naming the path. Spark is a {@code
 * provided} dependency: spark-submit supplies it.
 */
package org.layerskip.spark;
