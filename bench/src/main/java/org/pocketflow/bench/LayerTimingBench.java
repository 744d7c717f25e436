package org.pocketflow.bench;

import java.util.Arrays;
import java.util.Locale;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.learn.prune.ChannelPruning;
import org.pocketflow.worker.learn.prune.L1ChannelSelector;
import org.pocketflow.worker.learn.prune.PrunedNetwork;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;

/**
 * Where inference time goes, per vertex: runs a zoo network's forward pass vertex by vertex in
 * topological order (inference mode, no workspaces) and prints the median time of each vertex,
 * for the unpruned network and for the network L1-pruned uniformly to a MAC fraction, side by
 * side. The sum of the vertex times is close to, not equal to, {@code outputSingle}'s time (which
 * runs inside workspaces); the split between layers is what this bench is for.
 *
 * <p>Memory: the per-vertex path runs without workspaces, so its arrays are freed by the garbage
 * collector only; with oneDNN off, ResNet-20 at batch 64 grew past 18 GB off-heap and was killed.
 * Use oneDNN off with LeNet only.
 *
 * <p>With {@code PF_JAVA_OPTS=-Dfront=0.5} every group prefers that ratio and the late groups take
 * what the budget leaves (as {@code PruningLatencyBench}'s "front" setting) instead of uniform ratios.
 *
 * <p>Run: {@code bench/bin/run LayerTimingBench [arch] [batch] [iterations] [macFraction]
 * [channelMultiple] [keepFirstGroup] [onednn]} (defaults resnet20, 64, 50, 0.5, 1, true, true). Prints figures; asserts nothing.
 */
public final class LayerTimingBench {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);

    private LayerTimingBench() {
    }

    public static void main(String[] args) {
        Architecture arch = Architecture.of(args.length > 0 ? args[0] : "resnet20");
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        double fraction = args.length > 3 ? Double.parseDouble(args[3]) : 0.5;
        int multiple = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        boolean keepFirst = args.length <= 5 || Boolean.parseBoolean(args[5]);
        boolean onednn = Backend.configure(args.length <= 6 || Boolean.parseBoolean(args[6]));
        ComputationGraph full = arch.factory().create(MNIST, 10, 1);
        double front = Double.parseDouble(System.getProperty("front", "0"));
        ChannelPruning pruning = new ChannelPruning(new L1ChannelSelector(), keepFirst, multiple);
        PrunedNetwork pruned = front == 0 ? pruning.pruneUniform(full, MNIST, fraction)
                : pruning.prune(full, MNIST, fraction, PruningLatencyBench.front(full, front));
        ComputationGraph cut = pruned.graph();
        System.out.printf("kept channels (multiple %d, first group %s): %s; MAC fraction %.3f%n", multiple,
                keepFirst ? "whole" : "pruned", pruned.report().groups().stream().map(g -> g.kept().size() + "/"
                        + g.channels()).toList(), pruned.report().macFraction());
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 1, 28, 28);
        ComputationGraph[] nets = {full, cut};
        ComputationGraph[] noWs = {noWorkspaces(full), noWorkspaces(cut)};
        double[][] wholeNoWs = new double[2][iterations];
        double[][][] perVertex = new double[2][][];
        double[][] whole = new double[2][iterations];
        String[][] shapes = new String[2][];
        for (int n = 0; n < 2; n++) {
            perVertex[n] = new double[nets[n].getVertices().length][iterations];
            shapes[n] = new String[nets[n].getVertices().length];
        }
        int warmup = Math.max(10, iterations / 2);
        // interleaved so that both networks see the same load on a shared machine
        for (int it = -warmup; it < iterations; it++) {
            for (int k = 0; k < 2; k++) {
                int n = (it + k) & 1;
                double[] t = pass(nets[n], x, shapes[n]);
                long s = System.nanoTime();
                nets[n].outputSingle(false, x);
                double w = (System.nanoTime() - s) / 1e6;
                s = System.nanoTime();
                noWs[n].outputSingle(false, x);
                double w2 = (System.nanoTime() - s) / 1e6;
                if (it >= 0) {
                    whole[n][it] = w;
                    wholeNoWs[n][it] = w2;
                    for (int v = 0; v < t.length; v++) {
                        perVertex[n][v][it] = t[v];
                    }
                }
            }
        }
        System.out.printf("per-vertex median ms, %s batch %d, %d iterations, oneDNN %s, pruned to %.2f MACs%n",
                arch.name().toLowerCase(Locale.ROOT), batch, iterations, onednn ? "on" : "off", fraction);
        System.out.printf("%-16s %-22s %9s %-22s %9s%n", "vertex", "shape", "ms", "shape cut", "ms cut");
        GraphVertex[] vs = full.getVertices();
        double sa = 0;
        double sb = 0;
        for (int i = 0; i < vs.length; i++) {
            if (vs[i].isInputVertex()) {
                continue;
            }
            int j = cut.getVertex(vs[i].getVertexName()).getVertexIndex();
            double a = median(perVertex[0][i]);
            double b = median(perVertex[1][j]);
            System.out.printf("%-16s %-22s %9.3f %-22s %9.3f%n", vs[i].getVertexName(), shapes[0][i], a, shapes[1][j], b);
            sa += a;
            sb += b;
        }
        System.out.printf("%-16s %-22s %9.3f %-22s %9.3f  (%.2fx)%n", "sum", "", sa, "", sb, sa / sb);
        double a = median(whole[0]);
        double b = median(whole[1]);
        System.out.printf("%-16s %-22s %9.3f %-22s %9.3f  (%.2fx)%n", "outputSingle", "", a, "", b, a / b);
        a = median(wholeNoWs[0]);
        b = median(wholeNoWs[1]);
        System.out.printf("%-16s %-22s %9.3f %-22s %9.3f  (%.2fx)%n", "outputSingle/NONE", "", a, "", b, a / b);
    }

    /** A copy of {@code g} whose inference runs without workspaces. */
    private static ComputationGraph noWorkspaces(ComputationGraph g) {
        var conf = g.getConfiguration().clone();
        conf.setInferenceWorkspaceMode(org.deeplearning4j.nn.conf.WorkspaceMode.NONE);
        ComputationGraph c = new ComputationGraph(conf);
        c.init(g.params().dup(), false);
        return c;
    }

    /** One forward pass vertex by vertex; the time of each vertex in ms, indexed by vertex index. */
    private static double[] pass(ComputationGraph g, INDArray x, String[] shapes) {
        GraphVertex[] vs = g.getVertices();
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        INDArray[] out = new INDArray[vs.length];
        g.setInputs(x);
        double[] t = new double[vs.length];
        for (int idx : g.topologicalSortOrder()) {
            GraphVertex v = vs[idx];
            long s = System.nanoTime();
            if (v.isInputVertex()) {
                out[idx] = x;
            } else {
                VertexIndices[] in = v.getInputVertices();
                for (int k = 0; k < in.length; k++) {
                    v.setInput(k, out[in[k].getVertexIndex()], mgr);
                }
                out[idx] = v.doForward(false, mgr);
            }
            t[idx] = (System.nanoTime() - s) / 1e6;
            shapes[idx] = Arrays.toString(out[idx].shape());
        }
        for (GraphVertex v : vs) {
            v.clear();
        }
        g.clearLayersStates();
        return t;
    }

    private static double median(double[] t) {
        double[] c = t.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }
}
