package org.pocketflow.worker.learn.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ChannelLayout;
import org.pocketflow.worker.model.ChannelRole;
import org.pocketflow.worker.model.GroupBlock;
import org.pocketflow.worker.model.ModelInfo;

/** Channel groups of networks with concatenations and vertices channel surgery cannot follow. */
class ConcatGroupsTest {
    @Test
    void residualAddAcrossAConcatSplitsTheStemIntoTheBranchRanges() {
        ModelInfo info = ModelInfo.of(UserNetworks.create(UserNetworks.Kind.INCEPTION_RESIDUAL, 1), Networks.MNIST);
        ChannelGroup b1 = info.group("b1");
        ChannelGroup b2 = info.group("b2");
        assertEquals(12, b1.channels());
        assertEquals(20, b2.channels());
        assertEquals(List.of("stem", "b1"), b1.producers());
        assertEquals(List.of("stem", "b2"), b2.producers());
        assertTrue(b1.prunable() && b2.prunable());
        assertEquals(List.of("b1", "b2", "pw"), b2.consumers(), "b1 and b2 read the stem, which holds both groups");
        assertTrue(b1.followers().containsAll(List.of("stem_bn", "stem_relu", "cat", "add", "dw", "dw_bn")));

        ChannelLayout stem = info.layout("stem");
        ChannelLayout cat = info.layout("cat");
        for (int p = 0; p < 32; p++) {
            int group = p < 12 ? b1.id() : b2.id();
            int index = p < 12 ? p : p - 12;
            assertEquals(group, stem.group(p), "stem channel " + p);
            assertEquals(index, stem.index(p), "stem channel " + p);
            assertEquals(group, cat.group(p), "cat channel " + p);
            assertEquals(index, cat.index(p), "cat channel " + p);
        }
        assertEquals(List.of(b1, b2), info.groupsOf("add"));
        assertEquals(ChannelRole.CONCAT, info.layer("cat").role());
        assertEquals(ChannelRole.ELEMENTWISE, info.layer("add").role());
        assertEquals(ChannelRole.CHANNEL_WISE, info.layer("dw").role());
        assertEquals(ChannelRole.PRODUCER, info.layer("pw").role());
        assertFalse(info.group("output").prunable());
    }

    @Test
    void aConsumerOfAConcatKeepsEachBranchsKeptChannelsAtItsOffset() {
        ModelInfo info = ModelInfo.of(UserNetworks.create(UserNetworks.Kind.CONCAT_DEPTHWISE, 2), Networks.MNIST);
        int b1 = info.group("b1").id();
        int b2 = info.group("b2").id();
        assertArrayEquals(new int[]{1, 5, 12, 31}, info.layout("cat").kept(Map.of(b1, new int[]{1, 5},
                b2, new int[]{0, 19})));
        assertArrayEquals(IntStream.range(0, 12).toArray(), info.layout("dw").positionsOf(b1));
        assertNull(info.layout("cat").kept(Map.of(info.group("stem").id(), new int[]{0})));
    }

    @Test
    void threeBranchesAddedToAConvTieItsThreeRanges() {
        ModelInfo info = ModelInfo.of(UserNetworks.create(UserNetworks.Kind.THREE_BRANCHES, 3), Networks.MNIST);
        ChannelLayout stem = info.layout("stem");
        int[] sizes = {8, 12, 16};
        String[] branches = {"b1", "b2", "b3"};
        int offset = 0;
        for (int b = 0; b < 3; b++) {
            ChannelGroup g = info.group(branches[b]);
            assertEquals(sizes[b], g.channels());
            assertEquals(List.of("stem", branches[b]), g.producers());
            for (int c = 0; c < sizes[b]; c++) {
                assertEquals(g.id(), stem.group(offset + c));
                assertEquals(c, stem.index(offset + c));
            }
            offset += sizes[b];
        }
    }

    @Test
    void aSubsetVertexLeavesTheGroupItReadsWholeNamingIt() {
        ModelInfo info = ModelInfo.of(UserNetworks.withSubset(4), Networks.MNIST);
        ChannelGroup pw = info.group("pw");
        assertFalse(pw.prunable());
        assertEquals(GroupBlock.Cause.RESHAPE, pw.block().cause());
        assertEquals("sub", pw.block().vertex());
        assertTrue(pw.block().describe().contains("SubsetVertex"), pw.block().describe());
        assertEquals(ChannelRole.RESHAPE, info.layer("sub").role());
        assertTrue(info.group("b1").prunable() && info.group("b2").prunable() && info.group("fc").prunable());
        assertFalse(info.groupOf("sub").prunable(), "the subset's own channels are new and fixed");
    }

    @Test
    void anUnknownLayerLeavesItsGroupWholeNamingIt() {
        ModelInfo info = ModelInfo.of(UserNetworks.withUnknownLayer(5), Networks.MNIST);
        ChannelGroup stem = info.group("stem");
        assertFalse(stem.prunable());
        assertEquals(GroupBlock.Cause.UNKNOWN, stem.block().cause());
        assertEquals("lrn", stem.block().vertex());
        assertEquals("LocalResponseNormalization", stem.block().kind());
        assertEquals(ChannelRole.UNKNOWN, info.layer("lrn").role());
        assertTrue(info.group("c2").prunable() && info.group("c3").prunable());
    }

    @Test
    void costModelCountsEachBranchOfAConcatAtItsOwnWidth() {
        ComputationGraph g = UserNetworks.create(UserNetworks.Kind.INCEPTION_RESIDUAL, 6);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        Map<Integer, int[]> keep = Map.of(info.group("b1").id(), new int[]{0, 3, 7}, info.group("b2").id(),
                IntStream.range(0, 11).toArray());
        ModelInfo after = ModelInfo.of(ChannelSurgery.prune(g, info, keep), Networks.MNIST);
        assertEquals(14, after.layer("cat").channels());
        assertEquals(14, after.layer("stem").channels());
        assertEquals(14, after.layer("dw").channels());
        assertEquals(ChannelCostModel.of(info).macs(Map.of(info.group("b1").id(), 3, info.group("b2").id(), 11)),
                after.totalMacs());
    }
}
