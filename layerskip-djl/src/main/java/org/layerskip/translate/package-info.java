/**
 * DJL {@code Criteria → ZooModel → Predictor} integration: {@link
 * org.layerskip.translate.GenerationBlock} (one generation call as a stateless block), {@link
 * org.layerskip.translate.LlamaBlockFactory} (loads a Hugging Face Llama folder), {@link
 * org.layerskip.translate.LayerSkipTranslatorFactory} with a text translator and a request/response
 * translator, and {@link org.layerskip.translate.GenerationCodec}, the NDList layout between them.
 */
package org.layerskip.translate;
