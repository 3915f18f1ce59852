package org.layerskip.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Streaming parse of untrusted JSON: valid UTF-8, strict RFC 8259 syntax, Gson's nesting limit,
 * nothing but whitespace after the document. No JSON tree is built, so memory stays proportional to
 * what the caller keeps, whatever the input.
 */
final class StrictJson {

    private static final int MAX_NUMBER_LENGTH = 40;

    /** Reads a document from a strict reader; may throw any parse exception. */
    interface Parser<T> {

        /**
         * Reads one JSON value from the reader.
         *
         * @param reader the reader, positioned at the document start
         * @return the parsed result
         * @throws IOException on malformed input (wrapped by {@link #parse})
         */
        T read(JsonReader reader) throws IOException;
    }

    private StrictJson() {}

    /**
     * Runs a streaming parser over UTF-8 bytes, turning every parse failure into a {@link
     * CheckpointException}.
     *
     * @param bytes the UTF-8 text
     * @param what what the text is, for messages, e.g. {@code "/a/model.safetensors: header"}
     * @param parser reads the document
     * @param <T> the result type
     * @return the parser's result
     * @throws CheckpointException if the text is not valid UTF-8 or JSON, or the parser rejects it
     */
    static <T> T parse(byte[] bytes, String what, Parser<T> parser) throws CheckpointException {
        String text;
        try {
            text =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(bytes))
                            .toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointException(what + " is not valid UTF-8", e);
        }
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            T result = parser.read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new CheckpointException(what + " has data after the JSON value");
            }
            return result;
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // MalformedJsonException, IllegalStateException ("Expected X but was Y"), ...
            throw new CheckpointException(
                    what + " is not valid JSON: " + oneLine(e.getMessage()), e);
        }
    }

    /**
     * Checks the next token without consuming it.
     *
     * @param reader the reader
     * @param expected the required token
     * @param what what the value is, for the message
     * @throws IOException if the input is malformed
     * @throws CheckpointException if the next token is a different one
     */
    static void expect(JsonReader reader, JsonToken expected, String what) throws IOException {
        JsonToken actual = reader.peek();
        if (actual != expected) {
            throw new CheckpointException(
                    what + " must be " + article(expected) + ", found " + article(actual));
        }
    }

    /**
     * Reads a JSON string.
     *
     * @param reader the reader
     * @param what what the value is, for the message
     * @return the string
     * @throws IOException if the input is malformed or the value is not a string
     */
    static String nextString(JsonReader reader, String what) throws IOException {
        expect(reader, JsonToken.STRING, what);
        return reader.nextString();
    }

    /**
     * Reads a JSON number that must be an integer within long range ({@code 5}, {@code 5.0} and
     * {@code 5e0} are accepted; {@code 5.5} is not).
     *
     * @param reader the reader
     * @param what what the value is, for the message
     * @return the value
     * @throws IOException if the input is malformed or the value is not such a number
     */
    static long nextLong(JsonReader reader, String what) throws IOException {
        expect(reader, JsonToken.NUMBER, what);
        String literal = reader.nextString();
        if (literal.length() <= MAX_NUMBER_LENGTH) {
            try {
                return new BigDecimal(literal).longValueExact();
            } catch (ArithmeticException | NumberFormatException e) {
                // fall through
            }
        }
        throw new CheckpointException(
                what + " must be an integer in long range, found " + shorten(literal));
    }

    /**
     * Shortens an error message to one line of at most 200 characters.
     *
     * @param message the message, possibly null
     * @return the shortened message
     */
    static String oneLine(String message) {
        if (message == null) {
            return "";
        }
        String line =
                message.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept ", "")
                        .replaceAll(" See https?://\\S+", "")
                        .replaceAll("\\s+", " ")
                        .trim();
        return shorten(line);
    }

    private static String shorten(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    private static String article(JsonToken token) {
        switch (token) {
            case BEGIN_OBJECT:
                return "an object";
            case BEGIN_ARRAY:
                return "an array";
            case STRING:
                return "a string";
            case NUMBER:
                return "a number";
            case BOOLEAN:
                return "a boolean";
            case NULL:
                return "null";
            case END_DOCUMENT:
                return "the end of the document";
            default:
                return token.toString();
        }
    }
}
