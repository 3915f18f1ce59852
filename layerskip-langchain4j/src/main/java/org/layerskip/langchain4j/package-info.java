/**
 * LangChain4j integration, in-process (no HTTP): {@link
 * org.layerskip.langchain4j.LayerSkipChatModel} ({@code ChatModel}) and {@link
 * org.layerskip.langchain4j.LayerSkipStreamingChatModel} ({@code StreamingChatModel}) over one
 * {@link org.layerskip.langchain4j.LayerSkipChatEngine}, which loads the model and decodes every
 * request of every chat model on it in one continuous batch (self-speculative by default).
 */
package org.layerskip.langchain4j;
