package org.pocketflow.worker.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Finds the channel groups of a graph by a union-find over single channels. Each channel a
 * vertex outputs is a node: a producer (and any vertex channels cannot be traced through)
 * creates new nodes; a channel-wise vertex outputs its input's nodes; a concatenation outputs its
 * inputs' nodes one after another; an element-wise vertex unites node {@code c} of every operand.
 * Two channels united are pruned together. A group is then every class of united channels that
 * comes from the same set of creating vertices: a plain convolution's channels form one group,
 * and a 32-channel convolution added to the concatenation of a 12- and a 20-channel branch is
 * split into the group it shares with the first branch (its channels 0..11) and the one it shares
 * with the second (12..31). Every vertex then holds whole groups, each channel of a group equally
 * often, so channel counts per group decide every vertex's channel count exactly.
 *
 * <p>Vertices are visited in topological order; used once by {@link ModelInfo#of}.
 */
final class ChannelTracer {
    private final List<String> vertices = new ArrayList<>();
    private final Map<String, int[]> nodesOf = new LinkedHashMap<>();
    private final Map<String, ChannelRole> roles = new HashMap<>();
    private final Map<String, String> consumed = new HashMap<>();
    private final Map<Integer, GroupBlock> blocks = new HashMap<>();
    private final java.util.Set<String> networkInputs = new java.util.HashSet<>();
    private int[] parent = new int[256];
    private int[] origin = new int[256];
    private int nodes;

    /** A network input of {@code channels} channels. */
    void input(String name, int channels) {
        int[] out = create(name, channels);
        networkInputs.add(name);
        block(out, new GroupBlock(GroupBlock.Cause.NETWORK_INPUT, name, "input"));
    }

    /**
     * Visits a vertex after its inputs.
     *
     * @param consumerInputCut for a producer, whether its input channels can be cut (no
     *                         preprocessor, or the flattening before a dense layer); the cause otherwise
     */
    void visit(String name, String kind, ChannelRole role, List<String> inputs, int channels, boolean isOutput,
               GroupBlock consumerInputCut) {
        List<int[]> in = inputs.stream().map(nodesOf::get).toList();
        int[] out = switch (role) {
            case PRODUCER -> {
                if (consumerInputCut != null || in.size() != 1) {
                    in.forEach(n -> block(n, consumerInputCut != null ? consumerInputCut
                            : new GroupBlock(GroupBlock.Cause.UNKNOWN, name, kind)));
                } else {
                    consumed.put(name, inputs.get(0));
                }
                yield create(name, channels);
            }
            case CHANNEL_WISE -> in.size() == 1 && in.get(0).length == channels ? in.get(0) : null;
            case ELEMENTWISE -> elementwise(in, channels);
            case CONCAT -> {
                int total = in.stream().mapToInt(a -> a.length).sum();
                yield total == channels ? in.stream().flatMapToInt(Arrays::stream).toArray() : null;
            }
            default -> null;
        };
        ChannelRole effective = out == null && role != ChannelRole.RESHAPE ? ChannelRole.UNKNOWN : role;
        if (out == null) {
            GroupBlock why = new GroupBlock(effective == ChannelRole.RESHAPE ? GroupBlock.Cause.RESHAPE
                    : GroupBlock.Cause.UNKNOWN, name, kind);
            in.forEach(n -> block(n, why));
            out = create(name, channels);
            block(out, why);
        } else if (role != ChannelRole.PRODUCER) {
            nodesOf.put(name, out);
        }
        roles.put(name, effective);
        if (isOutput) {
            block(out, new GroupBlock(GroupBlock.Cause.NETWORK_OUTPUT, name, kind));
        }
    }

    /** The role {@link #visit} settled on: {@code UNKNOWN} where the declared role did not fit the shapes. */
    ChannelRole role(String name) {
        return roles.get(name);
    }

    private int[] elementwise(List<int[]> in, int channels) {
        if (in.isEmpty() || in.stream().anyMatch(a -> a.length != channels)) {
            return null;
        }
        for (int[] other : in.subList(1, in.size())) {
            for (int c = 0; c < channels; c++) {
                union(in.get(0)[c], other[c]);
            }
        }
        return in.get(0);
    }

    private int[] create(String name, int channels) {
        vertices.add(name);
        int v = vertices.size() - 1;
        int[] out = new int[channels];
        for (int c = 0; c < channels; c++) {
            if (nodes == parent.length) {
                parent = Arrays.copyOf(parent, 2 * nodes);
                origin = Arrays.copyOf(origin, 2 * nodes);
            }
            parent[nodes] = nodes;
            origin[nodes] = v;
            out[c] = nodes++;
        }
        nodesOf.put(name, out);
        return out;
    }

    private void block(int[] channelNodes, GroupBlock why) {
        for (int n : channelNodes) {
            blocks.merge(n, why, (a, b) -> !a.unsupported() && b.unsupported() ? b : a);
        }
    }

    private int find(int n) {
        while (parent[n] != n) {
            parent[n] = parent[parent[n]];
            n = parent[n];
        }
        return n;
    }

    private void union(int a, int b) {
        int ra = find(a);
        int rb = find(b);
        if (ra != rb) {
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }

    /** The groups and every vertex's layout. */
    Result build(List<String> order) {
        Map<Integer, TreeSet<Integer>> originsOf = new HashMap<>();
        for (int n = 0; n < nodes; n++) {
            originsOf.computeIfAbsent(find(n), k -> new TreeSet<>()).add(origin[n]);
        }
        // group ids by first appearance in the non-input vertices, in topological order; channels
        // that only a network input holds belong to no group (nothing can cut them)
        List<String> scan = order.stream().filter(v -> !isInput(v)).toList();
        Map<TreeSet<Integer>, Integer> idOf = new LinkedHashMap<>();
        for (String v : scan) {
            for (int n : nodesOf.get(v)) {
                idOf.putIfAbsent(originsOf.get(find(n)), idOf.size());
            }
        }
        List<String> inputs = order.stream().filter(this::isInput)
                .filter(v -> Arrays.stream(nodesOf.get(v)).allMatch(n -> idOf.containsKey(originsOf.get(find(n)))))
                .toList();
        scan = new ArrayList<>(scan);
        scan.addAll(inputs);
        // channel index within a group: order of first appearance in the group's first creating vertex
        Map<Integer, Integer> indexOfRoot = new HashMap<>();
        int[] size = new int[idOf.size()];
        for (Map.Entry<TreeSet<Integer>, Integer> e : idOf.entrySet()) {
            for (int n : nodesOf.get(vertices.get(e.getKey().first()))) {
                int root = find(n);
                if (originsOf.get(root).equals(e.getKey()) && !indexOfRoot.containsKey(root)) {
                    indexOfRoot.put(root, size[e.getValue()]++);
                }
            }
        }
        Map<String, ChannelLayout> layouts = new LinkedHashMap<>();
        GroupBlock[] groupBlock = new GroupBlock[size.length];
        for (String v : scan) {
            int[] ns = nodesOf.get(v);
            int[] g = new int[ns.length];
            int[] idx = new int[ns.length];
            for (int p = 0; p < ns.length; p++) {
                int root = find(ns[p]);
                g[p] = idOf.get(originsOf.get(root));
                idx[p] = indexOfRoot.get(root);
                GroupBlock b = blocks.get(ns[p]);
                if (b != null && (groupBlock[g[p]] == null || !groupBlock[g[p]].unsupported() && b.unsupported())) {
                    groupBlock[g[p]] = b;
                }
            }
            ChannelLayout layout = new ChannelLayout(g, idx);
            layouts.put(v, layout);
            checkEven(v, layout, size, groupBlock);
        }
        Map<String, String> cut = new HashMap<>();
        consumed.forEach((consumer, read) -> {
            if (layouts.containsKey(read)) {
                cut.put(consumer, read);
            }
        });
        return new Result(groups(order, layouts, size, groupBlock), layouts, Map.copyOf(cut));
    }

    /** Blocks a group some of whose channels {@code v} carries more often than others. */
    private void checkEven(String v, ChannelLayout layout, int[] size, GroupBlock[] groupBlock) {
        Map<Integer, int[]> uses = new HashMap<>();
        for (int p = 0; p < layout.channels(); p++) {
            uses.computeIfAbsent(layout.group(p), k -> new int[size[k]])[layout.index(p)]++;
        }
        uses.forEach((g, count) -> {
            if (Arrays.stream(count).distinct().count() > 1 && (groupBlock[g] == null || !groupBlock[g].unsupported())) {
                groupBlock[g] = new GroupBlock(GroupBlock.Cause.IRREGULAR, v, String.valueOf(roles.get(v)));
            }
        });
    }

    private List<ChannelGroup> groups(List<String> order, Map<String, ChannelLayout> layouts, int[] size,
                                      GroupBlock[] groupBlock) {
        List<ChannelGroup> out = new ArrayList<>();
        Map<String, Integer> groupsPerProducer = new HashMap<>();
        for (int id = 0; id < size.length; id++) {
            List<String> producers = new ArrayList<>();
            List<String> followers = new ArrayList<>();
            List<String> consumers = new ArrayList<>();
            for (String v : order) {
                if (isInput(v)) {
                    continue;
                }
                if (layouts.get(v).contains(id)) {
                    (roles.get(v) == ChannelRole.PRODUCER ? producers : followers).add(v);
                }
                String read = consumed.get(v);
                if (read != null && layouts.containsKey(read) && layouts.get(read).contains(id)) {
                    consumers.add(v);
                }
            }
            String name = name(id, producers, followers, order, layouts, size[id], groupsPerProducer);
            out.add(new ChannelGroup(id, name, size[id], producers, followers, consumers, groupBlock[id]));
        }
        return out;
    }

    private String name(int id, List<String> producers, List<String> followers, List<String> order,
                        Map<String, ChannelLayout> layouts, int channels, Map<String, Integer> perProducer) {
        for (String p : producers) {
            if (layouts.get(p).channels() == channels) {
                return p;
            }
        }
        String base = !producers.isEmpty() ? producers.get(0) : !followers.isEmpty() ? followers.get(0)
                : order.stream().filter(v -> isInput(v) && layouts.containsKey(v) && layouts.get(v).contains(id)).findFirst().orElse("group");
        return base + "/" + perProducer.merge(base, 1, Integer::sum);
    }

    private boolean isInput(String v) {
        return networkInputs.contains(v);
    }

    /** What {@link #build} found. */
    record Result(List<ChannelGroup> groups, Map<String, ChannelLayout> layouts, Map<String, String> consumed) {
    }
}
