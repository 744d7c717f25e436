package org.pocketflow.worker.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Where a vertex's output channels come from: for output channel {@code p}, the channel group
 * {@code group(p)} and the channel {@code index(p)} of that group. A plain convolution's layout is
 * one whole group; a concatenation's is its inputs' layouts one after another (branch A's group at
 * offsets {@code 0..A-1}, then branch B's), so pruning a group removes the right channels of every
 * vertex that carries it, wherever they sit.
 *
 * @param groups  per output channel, its group id
 * @param indices per output channel, its index in that group
 */
public record ChannelLayout(int[] groups, int[] indices) {
    public ChannelLayout {
        if (groups.length != indices.length) {
            throw new IllegalArgumentException("layout has " + groups.length + " groups and " + indices.length
                    + " indices");
        }
        groups = groups.clone();
        indices = indices.clone();
    }

    /** Output channels. */
    public int channels() {
        return groups.length;
    }

    @Override
    public int[] groups() {
        return groups.clone();
    }

    @Override
    public int[] indices() {
        return indices.clone();
    }

    /** Group of output channel {@code p}. */
    public int group(int p) {
        return groups[p];
    }

    /** Index in its group of output channel {@code p}. */
    public int index(int p) {
        return indices[p];
    }

    /** Per group present, how many output channels carry it (its channels times how often each is used), in order of first appearance. */
    public Map<Integer, Integer> positionCounts() {
        Map<Integer, Integer> positions = new LinkedHashMap<>();
        for (int g : groups) {
            positions.merge(g, 1, Integer::sum);
        }
        return positions;
    }

    /** Whether group {@code id} is carried by any output channel. */
    public boolean contains(int id) {
        return Arrays.stream(groups).anyMatch(g -> g == id);
    }

    /** The output channels carrying group {@code id}, increasing. */
    public int[] positionsOf(int id) {
        return IntStream.range(0, groups.length).filter(p -> groups[p] == id).toArray();
    }

    /**
     * The output channels left when the groups of {@code keep} keep only the listed channels, in
     * order (a concatenation: branch A's kept channels, then branch B's); {@code null} when nothing
     * of this layout is cut.
     *
     * @param keep per group id, the sorted indices to keep; groups not named stay whole
     */
    public int[] kept(Map<Integer, int[]> keep) {
        boolean cut = false;
        int[] out = new int[groups.length];
        int n = 0;
        for (int p = 0; p < groups.length; p++) {
            int[] k = keep.get(groups[p]);
            if (k == null || Arrays.binarySearch(k, indices[p]) >= 0) {
                out[n++] = p;
            } else {
                cut = true;
            }
        }
        return cut ? Arrays.copyOf(out, n) : null;
    }
}
