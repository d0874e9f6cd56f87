"""The stone detector's network and the reference network it is compared with.

The detector is a CenterNet-style single-scale model: a compact depthwise-
separable backbone down to stride 16, a two-step top-down path back to stride
4, and two 1x1 heads (class heatmap and box encoding, both sigmoid). Every op
(CONV_2D, DEPTHWISE_CONV_2D, ADD, RESIZE_NEAREST_NEIGHBOR, LOGISTIC, fused
ReLU) is on the Edge TPU's supported list, and all shapes are static.
"""

from __future__ import annotations

import keras
from keras import layers

INPUT_PX = 320
STRIDE = 4
NUM_CLASSES = 2


def _conv_bn(x, filters: int, kernel: int = 1, stride: int = 1, act: bool = True, name: str = ""):
    x = layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x) if act else x


def _sep(x, filters: int, stride: int = 1, name: str = ""):
    x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False, name=f"{name}_dw")(x)
    x = layers.BatchNormalization(name=f"{name}_dwbn")(x)
    x = layers.ReLU(name=f"{name}_dwrelu")(x)
    return _conv_bn(x, filters, name=f"{name}_pw")


def _upsample(x, name: str):
    # Resizing lowers to RESIZE_NEAREST_NEIGHBOR; Keras 3's UpSampling2D lowers
    # to TILE + RESHAPE, and the Edge TPU has no TILE.
    h, w = x.shape[1], x.shape[2]
    return layers.Resizing(2 * h, 2 * w, interpolation="nearest", name=name)(x)


def build_detector(input_px: int = INPUT_PX, batch_size: int | None = None) -> keras.Model:
    """Float input in 0..255 (the model rescales), outputs heatmap and boxes at stride 4.

    Export builds it with `batch_size=1` so that every tensor shape is static.
    """
    inp = keras.Input((input_px, input_px, 3), batch_size=batch_size, name="image")
    x = layers.Rescaling(1.0 / 255.0, name="rescale")(inp)
    x = _conv_bn(x, 16, 3, 2, name="stem")            # /2
    x = _sep(x, 32, 2, name="b1")                       # /4
    f4 = _sep(x, 32, name="b2")
    x = _sep(f4, 64, 2, name="b3")                      # /8
    f8 = _sep(x, 64, name="b4")
    x = _sep(f8, 128, 2, name="b5")                     # /16
    x = _sep(x, 128, name="b6")
    f16 = _sep(x, 128, name="b7")
    up = _conv_bn(f16, 64, name="lat16")
    up = _upsample(up, "up8")
    x = layers.Add(name="merge8")([up, f8])
    x = _sep(x, 64, name="td8")
    up = _conv_bn(x, 32, name="lat8")
    up = _upsample(up, "up4")
    x = layers.Add(name="merge4")([up, f4])
    x = _sep(x, 48, name="td4")
    x = _sep(x, 48, name="head")
    heatmap = layers.Conv2D(
        NUM_CLASSES, 1, activation="sigmoid", name="heatmap",
        bias_initializer=keras.initializers.Constant(-4.6),  # prior 0.01: most cells hold no stone centre
    )(x)
    boxes = layers.Conv2D(4, 1, activation="sigmoid", name="boxes")(x)
    return keras.Model(inp, [heatmap, boxes], name="goban_stones")


def build_reference_ssdlite(input_px: int = INPUT_PX, num_classes: int = NUM_CLASSES) -> keras.Model:
    """A MobileNetV2-SSDLite-style network (random weights), the usual choice for
    TFLite object detection, measured beside ours for the latency ratio."""
    base = keras.applications.MobileNetV2(
        input_shape=(input_px, input_px, 3), alpha=1.0, include_top=False, weights=None
    )
    feat16 = base.get_layer("block_13_expand_relu").output
    feat32 = base.output
    feats = [feat16, feat32]
    x = feat32
    for i, ch in enumerate((512, 256, 256, 128)):
        x = layers.Conv2D(ch // 2, 1, activation="relu6", name=f"extra{i}_pw")(x)
        x = layers.DepthwiseConv2D(3, strides=2, padding="same", activation="relu6", name=f"extra{i}_dw")(x)
        x = layers.Conv2D(ch, 1, activation="relu6", name=f"extra{i}_out")(x)
        feats.append(x)
    anchors = 6
    outs = []
    for i, f in enumerate(feats):
        c = layers.DepthwiseConv2D(3, padding="same", activation="relu6", name=f"cls{i}_dw")(f)
        c = layers.Conv2D(anchors * (num_classes + 1), 1, name=f"cls{i}")(c)
        r = layers.DepthwiseConv2D(3, padding="same", activation="relu6", name=f"box{i}_dw")(f)
        r = layers.Conv2D(anchors * 4, 1, name=f"box{i}")(r)
        outs.append(layers.Reshape((-1, num_classes + 1))(c))
        outs.append(layers.Reshape((-1, 4))(r))
    cls = layers.Concatenate(axis=1, name="classes")(outs[0::2])
    box = layers.Concatenate(axis=1, name="box_encodings")(outs[1::2])
    return keras.Model(base.input, [cls, box], name="ssdlite_mobilenetv2")


CORNER_INPUT_PX = 256


def build_corner_net(input_px: int = CORNER_INPUT_PX, batch_size: int | None = None) -> keras.Model:
    """The board-corner finder: a whole camera frame (letterboxed, 0..255) in, one
    heatmap of the grid's outer corners out at stride 4.

    Deeper than the detector (down to stride 32) because a corner under a hand
    or a stone is placed from the board around it, not from what is there.
    """
    inp = keras.Input((input_px, input_px, 3), batch_size=batch_size, name="image")
    x = layers.Rescaling(1.0 / 255.0, name="rescale")(inp)
    x = _conv_bn(x, 16, 3, 2, name="stem")            # /2
    x = _sep(x, 24, 2, name="b1")                       # /4
    f4 = _sep(x, 24, name="b2")
    x = _sep(f4, 48, 2, name="b3")                      # /8
    f8 = _sep(x, 48, name="b4")
    x = _sep(f8, 96, 2, name="b5")                      # /16
    f16 = _sep(x, 96, name="b6")
    x = _sep(f16, 128, 2, name="b7")                    # /32
    x = _sep(x, 128, name="b8")
    x = _sep(x, 128, name="b9")
    up = _upsample(_conv_bn(x, 96, name="lat32"), "up16")
    x = _sep(layers.Add(name="merge16")([up, f16]), 96, name="td16")
    up = _upsample(_conv_bn(x, 48, name="lat16"), "up8")
    x = _sep(layers.Add(name="merge8")([up, f8]), 48, name="td8")
    up = _upsample(_conv_bn(x, 24, name="lat8"), "up4")
    x = _sep(layers.Add(name="merge4")([up, f4]), 32, name="td4")
    x = _sep(x, 32, name="head")
    heatmap = layers.Conv2D(
        1, 1, activation="sigmoid", name="heatmap",
        bias_initializer=keras.initializers.Constant(-4.6),
    )(x)
    return keras.Model(inp, heatmap, name="goban_corners")
