package org.pocketflow.worker.export;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * How one parameter tensor is stored in a {@link PackedModel}: dense fp32, sparse (bitmap plus
 * values), uniformly quantized (packed integers plus per-channel scale and offset) or
 * codebook-quantized (packed indices plus a codebook, or per-channel codebooks or scales). Every
 * encoding decodes to the fp32 values the compressed network computes with, so a loaded packed
 * model gives exactly the accuracy that was measured before it was written.
 *
 * <p>Values are immutable once built (arrays are not copied: builders hand them over).
 * Element order is DL4J's: row-major ('c') over {@link #shape()}. An encoding may choose among
 * several layouts when it is written (a sparse tensor writes whichever position coding is
 * smaller); every layout reads back to an equal value.
 */
public sealed interface TensorEncoding permits DenseTensor, SparseTensor, UniformTensor, CodebookTensor,
        ChannelCodebookTensor {
    /** Shape of the decoded tensor. */
    long[] shape();

    /** The fp32 values, row-major. */
    float[] decode();

    /** Bytes this encoding occupies in a packed file, its header included, before the file deflates its tensor section. */
    long storedBytes();

    /** Short name for reports: {@code dense}, {@code sparse}, {@code uniform-4}, {@code codebook-4}. */
    String describe();

    /** Writes the kind byte, the shape and the payload. */
    void write(DataOutput out) throws IOException;

    /** Reads what {@link #write} wrote, validating sizes against {@code maxElements}. */
    static TensorEncoding read(DataInput in, long maxElements) throws IOException {
        int kind = in.readUnsignedByte();
        long[] shape = Tensors.readShape(in, maxElements);
        return switch (kind) {
            case DenseTensor.KIND -> DenseTensor.readPayload(in, shape, false);
            case DenseTensor.PLANES_KIND -> DenseTensor.readPayload(in, shape, true);
            case SparseTensor.KIND -> SparseTensor.readPayload(in, shape);
            case UniformTensor.KIND -> UniformTensor.readPayload(in, shape);
            case CodebookTensor.KIND -> CodebookTensor.readPayload(in, shape);
            case SparseTensor.POSITIONS_KIND -> SparseTensor.readPositions(in, shape);
            case ChannelCodebookTensor.KIND -> ChannelCodebookTensor.readPayload(in, shape);
            default -> throw new IOException("unknown tensor encoding kind " + kind
                    + " (this reader knows 1 dense, 2 sparse bitmap, 3 uniform, 4 codebook, 5 sparse positions, "
                    + "6 dense planes, 7 channel codebook)");
        };
    }

    /** Number of elements of {@code shape}. */
    static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
