#!/usr/bin/env python3
"""Writes the small Keras models the Keras-import tests read, and their expected outputs.

Run once, by hand, from this folder (the outputs are checked in; tests never run Python):

    /usr/bin/python3 make_keras_models.py

Needs only Debian's python3-h5py and python3-numpy: there is no TensorFlow or Keras here, so
the files are written directly in the layout Keras 2 (2.2.x, TensorFlow backend) gives a
model saved with model.save(path):

* root attributes keras_version, backend, model_config (the model's to_json()) and
  training_config (loss and optimizer, so the importer gives the network a loss layer);
* group model_weights with attribute layer_names and, per layer that has weights, a group
  <layer> with attribute weight_names ["<layer>/kernel:0", "<layer>/bias:0"] and the arrays
  at model_weights/<layer>/<layer>/kernel:0 (Keras layout: a Conv2D kernel is
  [kh, kw, in, out], a Dense kernel [in, out]).

Both models take 28x28x1 images, channels last as Keras has them:

* keras-sequential-cnn.h5: Conv2D(4, 3x3, valid, relu) conv1, MaxPooling2D(2) pool1,
  Flatten, Dense(10, softmax) dense;
* keras-functional-concat-add.h5: Conv2D(4, 3x3, same, relu) branch3x3 and Conv2D(4, 1x1,
  same, relu) branch1x1 on the input, Concatenate cat, Conv2D(8, 1x1, same, linear) mix,
  Add(mix, cat),
  GlobalAveragePooling2D gap, Dense(10, softmax) dense.

Layer names are longer than one letter on purpose: DL4J 1.0.0-M2's importer strips the layer
name from the weight names, and a layer "b" loses the "b" of "bias".

The weights come from a seeded numpy generator. expected-outputs.json holds three
inputs (NHWC, multiples of 1/256 in [0, 1)) and, per model, the softmax outputs that numpy computes for them with the
same weights, the reference the import tests compare against.
"""
import json

import h5py
import numpy as np

KERAS_VERSION = "2.2.4"
rng = np.random.default_rng(20261206)


def initializer(name):
    return {"class_name": name, "config": {}} if name == "Zeros" else {
        "class_name": "VarianceScaling",
        "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}}


def conv_config(name, filters, k, padding, activation, input_shape=None):
    c = {"name": name, "trainable": True, "filters": filters, "kernel_size": [k, k], "strides": [1, 1],
         "padding": padding, "data_format": "channels_last", "dilation_rate": [1, 1], "activation": activation,
         "use_bias": True, "kernel_initializer": initializer("VarianceScaling"),
         "bias_initializer": initializer("Zeros"), "kernel_regularizer": None, "bias_regularizer": None,
         "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
    if input_shape is not None:
        c["batch_input_shape"] = [None] + list(input_shape)
        c["dtype"] = "float32"
    return {"class_name": "Conv2D", "config": c}


def dense_config(name, units, activation):
    return {"class_name": "Dense", "config": {
        "name": name, "trainable": True, "units": units, "activation": activation, "use_bias": True,
        "kernel_initializer": initializer("VarianceScaling"), "bias_initializer": initializer("Zeros"),
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None}}


def weights(shape, fan_in):
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def bias(n):
    return (rng.standard_normal(n) * 0.05).astype(np.float32)


# --- numpy reference, channels last ---

def conv2d(x, kernel, b, padding):
    kh, kw, _, out = kernel.shape
    if padding == "same":
        ph, pw = (kh - 1) // 2, (kw - 1) // 2
        x = np.pad(x, ((0, 0), (ph, kh - 1 - ph), (pw, kw - 1 - pw), (0, 0)))
    n, h, w, _ = x.shape
    oh, ow = h - kh + 1, w - kw + 1
    y = np.zeros((n, oh, ow, out), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            y += np.einsum("nhwc,co->nhwo", x[:, i:i + oh, j:j + ow, :], kernel[i, j])
    return y + b


def relu(x):
    return np.maximum(x, 0)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def maxpool2(x):
    n, h, w, c = x.shape
    return x[:, :h // 2 * 2, :w // 2 * 2, :].reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def save(path, model_config, layer_weights):
    """layer_weights: ordered (layer name, [(weight name, array), ...]) for the layers that have weights."""
    model_config = dict(model_config, keras_version=KERAS_VERSION, backend="tensorflow")
    training = {"optimizer_config": {"class_name": "SGD", "config": {"lr": 0.01, "momentum": 0.0, "decay": 0.0,
                                                                        "nesterov": False}},
                "loss": "categorical_crossentropy", "metrics": ["accuracy"], "sample_weight_mode": None,
                "loss_weights": None}
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = np.bytes_(KERAS_VERSION)
        f.attrs["backend"] = np.bytes_("tensorflow")
        f.attrs["model_config"] = np.bytes_(json.dumps(model_config))
        f.attrs["training_config"] = np.bytes_(json.dumps(training))
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([n.encode() for n, _ in layer_weights])
        g.attrs["backend"] = np.bytes_("tensorflow")
        g.attrs["keras_version"] = np.bytes_(KERAS_VERSION)
        for name, ws in layer_weights:
            lg = g.create_group(name)
            lg.attrs["weight_names"] = np.array([("%s/%s:0" % (name, w)).encode() for w, _ in ws])
            inner = lg.create_group(name)
            for w, a in ws:
                inner.create_dataset(w + ":0", data=a)


def sequential(x):
    k1, b1 = weights((3, 3, 1, 4), 9), bias(4)
    kd, bd = weights((13 * 13 * 4, 10), 13 * 13 * 4), bias(10)
    config = {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": [
        conv_config("conv1", 4, 3, "valid", "relu", (28, 28, 1)),
        {"class_name": "MaxPooling2D", "config": {"name": "pool1", "trainable": True, "pool_size": [2, 2],
                                                   "padding": "valid", "strides": [2, 2],
                                                   "data_format": "channels_last"}},
        {"class_name": "Flatten", "config": {"name": "flatten", "trainable": True, "data_format": "channels_last"}},
        dense_config("dense", 10, "softmax")]}}
    save("keras-sequential-cnn.h5", config, [("conv1", [("kernel", k1), ("bias", b1)]),
                                             ("dense", [("kernel", kd), ("bias", bd)])])
    h = maxpool2(relu(conv2d(x, k1, b1, "valid")))
    return softmax(h.reshape(len(x), -1) @ kd + bd)


def functional(x):
    ka, ba = weights((3, 3, 1, 4), 9), bias(4)
    kb, bb = weights((1, 1, 1, 4), 1), bias(4)
    kc, bc = weights((1, 1, 8, 8), 8), bias(8)
    kd, bd = weights((8, 10), 8) * 4, bias(10)

    def node(*names):
        return [[[n, 0, 0, {}] for n in names]]

    layers = [
        {"name": "input_1", "class_name": "InputLayer", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, 28, 28, 1], "dtype": "float32", "sparse": False, "name": "input_1"}},
        dict(conv_config("branch3x3", 4, 3, "same", "relu"), name="branch3x3", inbound_nodes=node("input_1")),
        dict(conv_config("branch1x1", 4, 1, "same", "relu"), name="branch1x1", inbound_nodes=node("input_1")),
        {"name": "cat", "class_name": "Concatenate", "config": {"name": "cat", "trainable": True, "axis": -1},
         "inbound_nodes": node("branch3x3", "branch1x1")},
        dict(conv_config("mix", 8, 1, "same", "linear"), name="mix", inbound_nodes=node("cat")),
        {"name": "add", "class_name": "Add", "config": {"name": "add", "trainable": True},
         "inbound_nodes": node("mix", "cat")},
        {"name": "gap", "class_name": "GlobalAveragePooling2D",
         "config": {"name": "gap", "trainable": True, "data_format": "channels_last"}, "inbound_nodes": node("add")},
        dict(dense_config("dense", 10, "softmax"), name="dense", inbound_nodes=node("gap")),
    ]
    config = {"class_name": "Model", "config": {"name": "model_1", "layers": layers,
                                                "input_layers": [["input_1", 0, 0]],
                                                "output_layers": [["dense", 0, 0]]}}
    save("keras-functional-concat-add.h5", config, [
        ("branch3x3", [("kernel", ka), ("bias", ba)]), ("branch1x1", [("kernel", kb), ("bias", bb)]),
        ("mix", [("kernel", kc), ("bias", bc)]), ("dense", [("kernel", kd), ("bias", bd)])])
    cat = np.concatenate([relu(conv2d(x, ka, ba, "same")), relu(conv2d(x, kb, bb, "same"))], axis=3)
    added = conv2d(cat, kc, bc, "same") + cat
    return softmax(added.mean(axis=(1, 2)) @ kd + bd)


def main():
    x = (rng.integers(0, 256, (3, 28, 28, 1)) / 256).astype(np.float32)  # exact in binary: short JSON
    expected = {"inputsNhwc": x.tolist(), "outputs": {}}
    for name, model in (("keras-sequential-cnn.h5", sequential), ("keras-functional-concat-add.h5", functional)):
        expected["outputs"][name] = model(x.astype(np.float64)).tolist()
    with open("expected-outputs.json", "w") as f:
        json.dump(expected, f)
    with h5py.File("not-a-keras-model.h5", "w") as f:
        f.create_dataset("data", data=np.arange(10, dtype=np.float32))


if __name__ == "__main__":
    main()
