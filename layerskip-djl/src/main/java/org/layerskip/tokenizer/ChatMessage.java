package org.layerskip.tokenizer;

/**
 * One message of a conversation, as chat templates see it ({@code {"role": ..., "content": ...}}).
 *
 * @param role {@code system}, {@code user}, {@code assistant} (or another role the template knows)
 * @param content the text
 */
public record ChatMessage(String role, String content) {

    /**
     * Checks both parts are present.
     *
     * @param role the role
     * @param content the text
     */
    public ChatMessage {
        if (role == null || role.isBlank()) {
            throw new IllegalArgumentException("a chat message needs a role");
        }
        if (content == null) {
            throw new IllegalArgumentException("a chat message needs content (role " + role + ")");
        }
    }

    /**
     * A system message.
     *
     * @param content the text
     * @return the message
     */
    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    /**
     * A user message.
     *
     * @param content the text
     * @return the message
     */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /**
     * An assistant message.
     *
     * @param content the text
     * @return the message
     */
    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}
