package org.pocketflow.worker.model;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PoolHelperVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ReshapeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.graph.StackVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.graph.UnstackVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SpaceToBatchLayer;
import org.deeplearning4j.nn.conf.layers.SpaceToDepthLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;

/**
 * What a graph vertex does to channels, as channel pruning needs to know it. Every DL4J vertex
 * and layer type is classified explicitly by {@link #of(GraphVertex)}; a type not named there is
 * {@link #UNKNOWN}, so a custom layer can never be cut by guesswork.
 */
public enum ChannelRole {
    /** Creates new channels from all of its input's: a convolution, dense or output layer. */
    PRODUCER,
    /** Output channel {@code c} comes from input channel {@code c} alone (batch norm, activation, pooling, depthwise). */
    CHANNEL_WISE,
    /** Several inputs of equal channels, combined channel by channel (add, subtract, product, average, max). */
    ELEMENTWISE,
    /** Its inputs' channels one after another (concatenation along the channel axis). */
    CONCAT,
    /** Moves, picks or reshapes channels (subset, reshape, space-to-depth, preprocessors): not prunable. */
    RESHAPE,
    /** A type channel surgery does not know (custom layers, recurrent layers, ...): not prunable. */
    UNKNOWN;

    /** Whether channels can be traced through a vertex of this role. */
    public boolean traceable() {
        return this != RESHAPE && this != UNKNOWN;
    }

    /** The role of {@code vertex} (for a layer vertex: of its layer; a preprocessor makes a non-producer RESHAPE). */
    public static ChannelRole of(GraphVertex vertex) {
        if (vertex instanceof LayerVertex lv) {
            ChannelRole role = of(lv.getLayerConf().getLayer());
            return role != PRODUCER && role.traceable() && lv.getPreProcessor() != null ? RESHAPE : role;
        }
        if (vertex instanceof ElementWiseVertex) {
            return ELEMENTWISE;
        }
        if (vertex instanceof MergeVertex merge) {
            return merge.getMergeAxis() == 1 ? CONCAT : RESHAPE;
        }
        if (vertex instanceof ScaleVertex || vertex instanceof ShiftVertex) {
            return CHANNEL_WISE;
        }
        if (vertex instanceof SubsetVertex || vertex instanceof ReshapeVertex || vertex instanceof PreprocessorVertex
                || vertex instanceof StackVertex || vertex instanceof UnstackVertex
                || vertex instanceof PoolHelperVertex) {
            return RESHAPE;
        }
        return UNKNOWN;
    }

    /** The role of a layer: exact classes only, so a subclass with other parameters is {@link #UNKNOWN}. */
    public static ChannelRole of(Layer layer) {
        Class<?> c = layer.getClass();
        if (c == ConvolutionLayer.class) {
            return ((ConvolutionLayer) layer).getCnn2dDataFormat() == CNN2DFormat.NCHW ? PRODUCER : UNKNOWN;
        }
        if (c == DenseLayer.class || c == OutputLayer.class) {
            return PRODUCER;
        }
        if (c == DepthwiseConvolution2D.class) {
            DepthwiseConvolution2D dw = (DepthwiseConvolution2D) layer;
            return dw.getDepthMultiplier() == 1 && dw.getCnn2dDataFormat() == CNN2DFormat.NCHW ? CHANNEL_WISE
                    : UNKNOWN;
        }
        if (c == BatchNormalization.class || c == ActivationLayer.class || c == SubsamplingLayer.class
                || c == GlobalPoolingLayer.class || c == DropoutLayer.class || c == ZeroPaddingLayer.class) {
            return CHANNEL_WISE;
        }
        if (c == SpaceToDepthLayer.class || c == SpaceToBatchLayer.class) {
            return RESHAPE;
        }
        return UNKNOWN;
    }
}
