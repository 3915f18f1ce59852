package org.layerskip.cache;

import org.layerskip.config.LayerAttention;

/**
 * Layers of one request that share the attention geometry of a pass: the same attention kind and
 * the same cache layout, hence the same write slots, read length and mask. A dense model has one
 * group; models that mix full and sliding-window layers have two.
 *
 * @param index the group's index in {@link DecoderState#groups()}
 * @param attention what each query sees
 * @param capacity C, slots per row of the group's caches
 * @param ring whether the caches are rings ({@code slot = position mod C})
 */
public record AttentionGroup(int index, LayerAttention attention, int capacity, boolean ring) {

    /**
     * Returns the slot that holds a position.
     *
     * @param position an absolute position
     * @return the slot
     */
    public long slot(long position) {
        return ring ? position % capacity : position;
    }

    /**
     * Returns the position that slot {@code k} holds in a row whose last written position is {@code
     * last}: {@code k} in a linear cache, the latest {@code p <= last} with {@code p = k (mod C)}
     * in a ring (negative when the slot was never written).
     *
     * @param k a slot
     * @param last the row's last written position
     * @return the position held
     */
    public long positionAt(int k, long last) {
        return ring ? last - Math.floorMod(last - k, (long) capacity) : k;
    }
}
