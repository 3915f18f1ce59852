/**
 * Runnable examples: each class has {@code main} and {@code runExample(String...)} returning a
 * result record, and a smoke test that runs it small. Models are given with {@code --model} as a
 * zoo id ({@code tiny-layerskip}, {@code layerskip-llama3.2-1B}, ...) or a Hugging Face Llama
 * folder.
 */
package org.layerskip.examples;
