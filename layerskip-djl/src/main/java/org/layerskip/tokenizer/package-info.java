/**
 * Text to token ids and back for Llama-family models: {@link org.layerskip.tokenizer.LlamaTokenizer}
 * wraps the Hugging Face {@code tokenizers} native library (through DJL), loaded only from a local
 * {@code tokenizer.json}, with BOS/EOS handling taken from {@code tokenizer_config.json}, and {@link
 * org.layerskip.tokenizer.StreamingDecoder} turns generated ids into text one token at a time.
 */
package org.layerskip.tokenizer;
