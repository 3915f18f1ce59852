/**
 * Immutable model and run configuration: the Hugging Face {@code config.json} of a Llama-family
 * model ({@link org.layerskip.config.LlamaConfig}) and its rotary-embedding scaling. No DJL types
 * here; every other package may depend on this one.
 */
package org.layerskip.config;
