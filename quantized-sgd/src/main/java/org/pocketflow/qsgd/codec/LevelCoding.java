package org.pocketflow.qsgd.codec;

/**
 * How the signed levels of a bucket travel. The ordinal is the wire value.
 *
 * <p><b>Why run-length Golomb-Rice.</b> Under an l2 scale most levels are 0 and the rest mostly
 * ±1 (with d = 512 and s = 1, about 3% are nonzero). A per-symbol code (a Huffman table per
 * message, or Elias-gamma of |level|) can never spend less than 1 bit per element, however
 * likely zero is. Coding the <em>gaps</em> between nonzero levels can: the gaps are close to
 * geometric, and a Golomb-Rice code is the optimal prefix code for geometric sources (Gallager and
 * Van Voorhis 1975) while needing only one parameter per bucket — no table to transmit, and
 * decoding is a count-trailing-zeros plus a shift. The rare magnitudes above one get Elias-gamma
 * (1 bit for the common magnitude 1; none when s = 1). QSGD's own coding likewise codes gaps and
 * levels with Elias codes.
 */
public enum LevelCoding {
    /**
     * Each level {@code l} as the symbol {@code l + s} in the smallest of 2, 4, 8 or 16 bits that
     * holds {@code 2s + 1} symbols. Size known in advance; fastest to encode and decode.
     */
    FIXED_WIDTH,
    /**
     * Per bucket: a 4-bit mode. Rice mode ({@code k} = 0-14): for each nonzero level, the number
     * of zeros before it (Rice, parameter {@code k}), its magnitude (Elias-gamma, only when s &gt; 1)
     * and its sign (1 bit); then the trailing zeros (Rice) if any. {@code k} is {@code
     * floor(log2(ln 2 * mean run))}, which is within a few percent of the best {@code k} for
     * geometric runs. Bitmap mode (15, ternary levels at least 2 in 9 nonzero, as ECQ's defaults
     * give): one bit per level, then one sign bit per nonzero; there no larger than version 1's
     * Rice code, and decoded without a serial walk. Layout and history in {@code kernel.RunLengthCoding}.
     */
    RUN_LENGTH;

    static LevelCoding fromWire(int v) {
        if (v < 0 || v >= values().length) {
            throw new IllegalArgumentException("level coding id must be 0 (FIXED_WIDTH) or 1 (RUN_LENGTH), but got " + v);
        }
        return values()[v];
    }
}
