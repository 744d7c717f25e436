package org.pocketflow.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.train.BatchNormForward;
import org.pocketflow.worker.train.InputConvBackprop;
import org.pocketflow.worker.train.ReluBackprop;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * Where a training step's time goes, layer by layer, on one thread: each layer of LeNet and
 * ResNet-20 (as the product trains them: {@code Trainer.withOptimizer}, so with the project's
 * backward passes) run forward and backward on its own through DL4J's layer API, then the whole
 * gradient computation ({@code computeGradientAndScore}) and the whole step ({@code fit}) of the
 * same graph. The sum of the layers against the gradient is DL4J's graph glue (traversal,
 * workspaces); the step minus the gradient is the updater. {@code bench/torch_ops.py} times the same
 * layers in PyTorch, so the two tables line up row by row.
 *
 * <p>Layers run in one workspace of their own, reset each call, forward then
 * backward each iteration (a backward pass uses what its forward kept), on random inputs of the
 * shapes the graph feeds them. OpenMP, ND4J's pool and OpenBLAS are set to one thread, as each of
 * the product's two copies runs.
 *
 * <p>Run: {@code bench/bin/run LayerOpsBench [arch=all|lenet|resnet20] [iterations=20] [batches=32,64]
 * [helpers=product|dl4j-bn-forward|dl4j-input-conv|dl4j-relu]}: the product's passes, or all but one of them
 * (that one DL4J's).
 * Prints the median ms per call; asserts nothing.
 */
public final class LayerOpsBench {
    private static final ImageShape SHAPE = new ImageShape(1, 28, 28);
    private static final int CLASSES = 10;
    /** Untimed calls first, enough for the JIT to compile the project's plain-Java passes. */
    private static final int WARMUP = 15;
    /** One workspace for everything a vertex allocates, reset each call, as DL4J's training workspaces are per step. */
    private static final String WORKSPACE = "LAYER_OPS";
    private static final WorkspaceConfiguration WORKSPACE_CONF = WorkspaceConfiguration.builder().initialSize(0)
            .overallocationLimit(0.05).policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE).policyAllocation(AllocationPolicy.OVERALLOCATE).build();

    private LayerOpsBench() {
    }

    public static void main(String[] args) {
        String arch = args.length > 0 ? args[0] : "all";
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int[] batches = Arrays.stream((args.length > 2 ? args[2] : "32,64").split(","))
                .mapToInt(Integer::parseInt).toArray();
        String helpers = args.length > 3 ? args[3] : "product";
        Backend.configure(true);
        Backend.setThreads(1);
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
        for (String name : arch.equals("all") ? List.of("lenet", "resnet20") : List.of(arch)) {
            for (int batch : batches) {
                run(name, batch, iterations, helpers);
            }
        }
    }

    private static void run(String arch, int batch, int iterations, String helpers) {
        TrainingSpec spec = new TrainingSpec(1, batch, 0.01, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
        ComputationGraph g = Trainer.withOptimizer(Architecture.of(arch).factory().create(SHAPE, CLASSES, 1), spec,
                1000);
        switch (helpers) {
            case "product" -> { }
            case "dl4j-bn-forward" -> BatchNormForward.uninstall(g);
            case "dl4j-relu" -> ReluBackprop.uninstall(g);
            case "dl4j-input-conv" -> InputConvBackprop.uninstall(g);
            default -> throw new IllegalArgumentException(
                    "helpers: product, dl4j-bn-forward, dl4j-input-conv or dl4j-relu, not " + helpers);
        }
        INDArray x = Nd4j.randn(DataType.FLOAT, batch, 1, 28, 28);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, CLASSES);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % CLASSES, 1f);
        }
        DataSet data = new DataSet(x, y);
        g.fit(data); // sets up the gradient views the layers write into
        Map<String, INDArray> acts = g.feedForward(new INDArray[]{x}, true, false);
        var inputsOf = g.getConfiguration().getVertexInputs();
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.builder().defaultWorkspace(WORKSPACE, WORKSPACE_CONF).build();
        System.out.printf(Locale.ROOT, "%s, batch %d, 1 thread, median of %d, helpers %s, ms per call%n", arch, batch,
                iterations, helpers);
        System.out.printf(Locale.ROOT, "%-14s %-24s %9s %9s%n", "layer", "type", "forward", "backward");
        double fwdSum = 0;
        double bwdSum = 0;
        for (int index : g.topologicalSortOrder()) {
            GraphVertex v = g.getVertices()[index];
            if (v.isInputVertex()) {
                continue;
            }
            List<String> in = inputsOf.get(v.getVertexName());
            double[] fwd = new double[iterations];
            double[] bwd = new double[iterations];
            for (int i = -WARMUP; i < iterations; i++) {
                double[] t = once(v, in.stream().map(acts::get).toList(), y, mgr);
                if (i >= 0) {
                    fwd[i] = t[0];
                    bwd[i] = t[1];
                }
            }
            String type = v.hasLayer() ? v.getLayer().getClass().getSimpleName() : v.getClass().getSimpleName();
            System.out.printf(Locale.ROOT, "%-14s %-24s %9.3f %9.3f%n", v.getVertexName(), type, median(fwd),
                    median(bwd));
            fwdSum += median(fwd);
            bwdSum += median(bwd);
        }
        System.out.printf(Locale.ROOT, "%-14s %-24s %9.3f %9.3f  (total %.3f)%n", "sum of layers", "", fwdSum, bwdSum,
                fwdSum + bwdSum);
        double[] grad = new double[iterations];
        double[] step = new double[iterations];
        for (int i = -WARMUP; i < iterations; i++) {
            long t0 = System.nanoTime();
            g.setInputs(x);
            g.setLabels(y);
            g.computeGradientAndScore();
            long t1 = System.nanoTime();
            g.fit(data);
            long t2 = System.nanoTime();
            if (i >= 0) {
                grad[i] = (t1 - t0) / 1e6;
                step[i] = (t2 - t1) / 1e6;
            }
        }
        System.out.printf(Locale.ROOT, "graph gradient (computeGradientAndScore) %.3f ms, step (fit) %.3f ms: "
                        + "glue %.3f ms, updater %.3f ms, %.0f samples/s%n%n", median(grad), median(step),
                median(grad) - fwdSum - bwdSum, median(step) - median(grad), batch * 1000 / median(step));
    }

    /** Forward and backward of one vertex (its layer with its input preprocessor, or a residual addition), ms. */
    private static double[] once(GraphVertex v, List<INDArray> inputs, INDArray labels, LayerWorkspaceMgr mgr) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE_CONF, WORKSPACE)) {
            return timed(v, inputs, labels, mgr);
        }
    }

    private static double[] timed(GraphVertex v, List<INDArray> inputs, INDArray labels, LayerWorkspaceMgr mgr) {
        long t0 = System.nanoTime();
        for (int i = 0; i < inputs.size(); i++) {
            v.setInput(i, inputs.get(i), mgr);
        }
        INDArray out = v.doForward(true, mgr);
        long t1 = System.nanoTime();
        if (v.hasLayer() && v.getLayer() instanceof IOutputLayer output) {
            output.setLabels(labels);
        } else {
            v.setEpsilon(Nd4j.randn(DataType.FLOAT, out.shape()));
        }
        long t2 = System.nanoTime();
        v.doBackward(false, mgr);
        long t3 = System.nanoTime();
        v.clear();
        return new double[]{(t1 - t0) / 1e6, (t3 - t2) / 1e6};
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
