package org.pocketflow.worker.distributed;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.pocketflow.qsgd.ps.optim.Optimizer;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.train.StepHook;

/** {@link ConstrainedOptimizer}'s name, which a parameter-server checkpoint must match to resume. */
class ConstrainedOptimizerTest {

    @Test
    void theNameTellsRunsOfAnotherStepCountApart() {
        // a constant learning rate leaves the step count out of the wrapped optimizer's name, but a
        // hook's schedule (sparsity ramp, quantization start) follows it: a checkpoint of a run of
        // 16 steps must not resume one of 20
        ComputationGraph g = Architecture.LENET.factory().create(new ImageShape(1, 28, 28), 10, 1);
        String sixteen = new ConstrainedOptimizer(new Constant(), StepHook.NONE, g, 16).name();
        String twenty = new ConstrainedOptimizer(new Constant(), StepHook.NONE, g, 20).name();
        assertNotEquals(sixteen, twenty);
        assertTrue(sixteen.startsWith("constant(lr=0.1)") && sixteen.endsWith("+none"), sixteen);
    }

    /** An optimizer whose name has no step count, like SGD with a constant rate. */
    private static final class Constant implements Optimizer {
        @Override
        public String name() {
            return "constant(lr=0.1)";
        }

        @Override
        public void apply(long step, float[] params, float[] gradient) {
            for (int i = 0; i < params.length; i++) {
                params[i] -= 0.1f * gradient[i];
            }
        }

        @Override
        public float[] state() {
            return new float[0];
        }

        @Override
        public void restore(float[] state) {
        }
    }
}
