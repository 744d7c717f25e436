package org.pocketflow.qsgd.nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.codec.CodecCase;
import org.pocketflow.qsgd.codec.EcqCodec;
import org.pocketflow.qsgd.codec.IdentityCodec;

class NdArrayGradientsTest {

    @Test
    void identityRoundTripsAViewOfAnArrayExactly() {
        float[] values = CodecCase.gaussian(1, 3 * 40, 1.0);
        INDArray whole = Nd4j.createFromArray(values).reshape('c', 3, 40);
        INDArray view = whole.getRow(1);
        GradientCodec codec = new IdentityCodec();
        EncodedGradient m = NdArrayGradients.encode(codec.newEncoder(1), view);
        INDArray target = Nd4j.zeros(DataType.FLOAT, 40);
        NdArrayGradients.decode(codec, m, target);
        assertArrayEquals(view.toFloatVector(), target.toFloatVector());
    }

    @Test
    void decodeAddAccumulatesIntoAnArrayOfTheSameShape() {
        float[] values = CodecCase.gaussian(2, 6 * 100, 1.0);
        INDArray g = Nd4j.createFromArray(values).reshape('c', 6, 100);
        GradientCodec codec = new EcqCodec();
        EncodedGradient m = NdArrayGradients.encode(codec.newEncoder(1), g);
        float[] expected = new float[600];
        codec.decode(m, expected);
        INDArray acc = Nd4j.ones(DataType.FLOAT, 6, 100);
        NdArrayGradients.decodeAdd(codec, m, acc);
        float[] got = acc.data().asFloat();
        for (int i = 0; i < 600; i++) {
            assertEquals(1f + expected[i], got[i], 1e-6f, "element " + i);
        }
    }
}
