package org.layerskip.io;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated JSON header of a safetensors file.
 *
 * @param tensors the entries, in header order
 * @param metadata the {@code __metadata__} string map (empty if absent)
 */
record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {

    /** Largest accepted number of dimensions of one tensor. */
    static final int MAX_RANK = 64;

    private static final String METADATA_KEY = "__metadata__";

    /**
     * Parses and validates a header against the size of the data section that follows it.
     *
     * @param json the header bytes (UTF-8 JSON, possibly space-padded)
     * @param dataSize the number of bytes after the header
     * @param file the file, for messages
     * @return the header
     * @throws CheckpointException on any malformed, inconsistent or out-of-range entry
     */
    static SafetensorsHeader parse(byte[] json, long dataSize, String file)
            throws CheckpointException {
        SafetensorsHeader header =
                StrictJson.parse(json, file + ": header", reader -> read(reader, file));
        for (TensorInfo info : header.tensors.values()) {
            validate(info, dataSize, file);
        }
        checkOverlaps(header.tensors.values(), file);
        return header;
    }

    private static SafetensorsHeader read(JsonReader reader, String file) throws IOException {
        StrictJson.expect(reader, JsonToken.BEGIN_OBJECT, file + ": header");
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = null;
        reader.beginObject();
        while (reader.hasNext()) {
            String name = reader.nextName();
            if (METADATA_KEY.equals(name)) {
                if (metadata != null) {
                    throw new CheckpointException(file + ": duplicate " + METADATA_KEY);
                }
                metadata = readMetadata(reader, file);
            } else if (tensors.put(name, readEntry(reader, name, file)) != null) {
                throw new CheckpointException(file + ": duplicate tensor '" + name + "'");
            }
        }
        reader.endObject();
        Map<String, String> meta = metadata == null ? Map.of() : metadata;
        return new SafetensorsHeader(
                Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(meta));
    }

    private static Map<String, String> readMetadata(JsonReader reader, String file)
            throws IOException {
        String what = file + ": " + METADATA_KEY;
        StrictJson.expect(reader, JsonToken.BEGIN_OBJECT, what);
        Map<String, String> metadata = new LinkedHashMap<>();
        reader.beginObject();
        while (reader.hasNext()) {
            String key = reader.nextName();
            String value = StrictJson.nextString(reader, what + " value of '" + key + "'");
            if (metadata.put(key, value) != null) {
                throw new CheckpointException(what + " has duplicate key '" + key + "'");
            }
        }
        reader.endObject();
        return metadata;
    }

    private static TensorInfo readEntry(JsonReader reader, String name, String file)
            throws IOException {
        String what = file + ": tensor '" + name + "'";
        StrictJson.expect(reader, JsonToken.BEGIN_OBJECT, what);
        String dtype = null;
        long[] shape = null;
        long[] offsets = null;
        reader.beginObject();
        while (reader.hasNext()) {
            String field = reader.nextName();
            switch (field) {
                case "dtype":
                    checkUnset(dtype, what, field);
                    dtype = StrictJson.nextString(reader, what + " dtype");
                    break;
                case "shape":
                    checkUnset(shape, what, field);
                    shape = readLongs(reader, what + " shape", MAX_RANK);
                    break;
                case "data_offsets":
                    checkUnset(offsets, what, field);
                    offsets = readLongs(reader, what + " data_offsets", 2);
                    break;
                default:
                    reader.skipValue(); // unknown fields are ignored, as by the reference reader
            }
        }
        reader.endObject();
        if (dtype == null || shape == null || offsets == null) {
            throw new CheckpointException(what + " needs dtype, shape and data_offsets");
        }
        if (offsets.length != 2) {
            throw new CheckpointException(
                    what + " data_offsets must be [begin, end], found " + Arrays.toString(offsets));
        }
        return new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static void checkUnset(Object value, String what, String field)
            throws CheckpointException {
        if (value != null) {
            throw new CheckpointException(what + " has duplicate field " + field);
        }
    }

    private static long[] readLongs(JsonReader reader, String what, int maxCount)
            throws IOException {
        StrictJson.expect(reader, JsonToken.BEGIN_ARRAY, what);
        List<Long> values = new ArrayList<>();
        reader.beginArray();
        while (reader.hasNext()) {
            if (values.size() == maxCount) {
                throw new CheckpointException(what + " has more than " + maxCount + " entries");
            }
            values.add(StrictJson.nextLong(reader, what + " entry"));
        }
        reader.endArray();
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    private static void validate(TensorInfo info, long dataSize, String file)
            throws CheckpointException {
        String what = file + ": tensor '" + info.name() + "'";
        SafetensorsDtype type = info.type();
        if (type == null) {
            throw new CheckpointException(what + " has unknown dtype '" + info.dtype() + "'");
        }
        long numel = 1;
        for (long dim : info.shape()) {
            if (dim < 0) {
                throw new CheckpointException(
                        what
                                + " has a negative dimension in shape "
                                + Arrays.toString(info.shape()));
            }
            try {
                numel = Math.multiplyExact(numel, dim);
            } catch (ArithmeticException e) {
                throw new CheckpointException(
                        what + " shape " + Arrays.toString(info.shape()) + " overflows", e);
            }
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(numel, (long) type.byteSize());
        } catch (ArithmeticException e) {
            throw new CheckpointException(what + " byte size overflows", e);
        }
        if (info.begin() < 0 || info.begin() > info.end()) {
            throw new CheckpointException(
                    what + " data_offsets [" + info.begin() + ", " + info.end() + "] are invalid");
        }
        if (info.end() > dataSize) {
            throw new CheckpointException(
                    what
                            + " data_offsets ["
                            + info.begin()
                            + ", "
                            + info.end()
                            + "] exceed the data section of "
                            + dataSize
                            + " bytes");
        }
        if (info.byteLength() != bytes) {
            throw new CheckpointException(
                    what
                            + " shape "
                            + Arrays.toString(info.shape())
                            + " x "
                            + info.dtype()
                            + " needs "
                            + bytes
                            + " bytes but data_offsets span "
                            + info.byteLength());
        }
    }

    private static void checkOverlaps(Iterable<TensorInfo> tensors, String file)
            throws CheckpointException {
        List<TensorInfo> sorted = new ArrayList<>();
        for (TensorInfo info : tensors) {
            if (info.byteLength() > 0) {
                sorted.add(info);
            }
        }
        sorted.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo previous = sorted.get(i - 1);
            TensorInfo current = sorted.get(i);
            if (current.begin() < previous.end()) {
                throw new CheckpointException(
                        file
                                + ": tensors '"
                                + previous.name()
                                + "' and '"
                                + current.name()
                                + "' overlap");
            }
        }
    }
}
