/**
 * Text to token ids and back for Llama-family models: {@link
 * org.layerskip.tokenizer.LlamaTokenizer} wraps the Hugging Face {@code tokenizers} native library
 * (through DJL), loaded only from a local {@code tokenizer.json}, with BOS/EOS handling taken from
 * {@code tokenizer_config.json}, and {@link org.layerskip.tokenizer.StreamingDecoder} turns
 * generated ids into text one token at a time. A definition whose regexes are not known to be
 * linear-time runs in a child JVM ({@link org.layerskip.tokenizer.TokenizerIsolation}), so that a
 * native panic or hang is a {@link org.layerskip.tokenizer.TokenizerException} and never takes the
 * application down.
 */
package org.layerskip.tokenizer;
