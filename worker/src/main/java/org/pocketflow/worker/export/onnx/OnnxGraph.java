package org.pocketflow.worker.export.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.nd4j.shade.protobuf.ByteString;
import org.nd4j.shade.protobuf.Descriptors;
import org.nd4j.shade.protobuf.Message;

/**
 * The ONNX graph being written: nodes in topological order, initialisers and the graph's inputs
 * and outputs, over the protobuf classes that ship inside nd4j-api. Every name handed out is
 * unique; tensors are stored little-endian in {@code raw_data}, as the ONNX specification requires.
 * Mutable, owned by one export.
 */
final class OnnxGraph {
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();

    OnnxGraph(String name) {
        graph.setName(name);
    }

    /** {@code base}, or {@code base_2}, {@code base_3}, ... when taken; reserves it. */
    String fresh(String base) {
        String name = base;
        for (int i = 2; !names.add(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }

    /** Adds a node of {@code op} reading {@code inputs}; returns the name of its single output. */
    String node(String op, String outputBase, String[] inputs, AttributeProto... attributes) {
        String out = fresh(outputBase);
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(fresh(out + "/" + op)).addOutput(out);
        for (String in : inputs) {
            n.addInput(in);
        }
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return out;
    }

    /** A float initialiser of {@code shape}. */
    String floats(String base, float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return initializer(base, TensorProto.DataType.FLOAT, b.array(), shape);
    }

    /** An int8 initialiser of {@code shape}. */
    String int8s(String base, byte[] values, long... shape) {
        return initializer(base, TensorProto.DataType.INT8, values, shape);
    }

    /** A uint8 initialiser of {@code shape}. */
    String uint8s(String base, byte[] values, long... shape) {
        return initializer(base, TensorProto.DataType.UINT8, values, shape);
    }

    /** An int64 initialiser of {@code shape}. */
    String int64s(String base, long[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return initializer(base, TensorProto.DataType.INT64, b.array(), shape);
    }

    private String initializer(String base, TensorProto.DataType type, byte[] raw, long... shape) {
        String name = fresh(base);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setRawData(ByteString.copyFrom(raw));
        setDataType(t, "data_type", type);
        for (long d : shape) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /** Declares a float graph input; a dimension of -1 is the symbolic batch size {@code N}. */
    String input(String name, long... shape) {
        String unique = fresh(name);
        graph.addInput(valueInfo(unique, shape));
        return unique;
    }

    /** Declares {@code name} a float graph output of {@code shape}. */
    void output(String name, long... shape) {
        graph.addOutput(valueInfo(name, shape));
    }

    GraphProto build() {
        return graph.build();
    }

    private static ValueInfoProto valueInfo(String name, long... shape) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : shape) {
            s.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("N")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        TypeProto.Tensor.Builder tensor = TypeProto.Tensor.newBuilder().setShape(s);
        setDataType(tensor, "elem_type", TensorProto.DataType.FLOAT);
        TypeProto type = TypeProto.newBuilder().setTensorType(tensor).build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto real(String name, double value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT)
                .setF((float) value).build();
    }

    /**
     * Sets a field that holds an ONNX data type. ONNX declares these fields {@code int32}; the
     * classes in nd4j-api 1.0.0-M2 generate them as the {@code DataType} enum and those of
     * 1.0.0-M2.1 (the GPU build) as {@code int}, so the field is set through its descriptor.
     */
    private static void setDataType(Message.Builder builder, String field, TensorProto.DataType type) {
        Descriptors.FieldDescriptor f = builder.getDescriptorForType().findFieldByName(field);
        builder.setField(f, f.getJavaType() == Descriptors.FieldDescriptor.JavaType.ENUM ? type.getValueDescriptor()
                : (Object) type.getNumber());
    }
}
