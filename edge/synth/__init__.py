"""Synthetic Go-board photos with exact ground truth, for training and tests.

A `Scene` is one camera set-up over one board; `Scene.render` draws a position
on it as a photo would show it, with the four grid corners, the position in
their frame and a box per stone.
"""

from edge.synth.hands import HandLook, HandPose
from edge.synth.positions import random_position
from edge.synth.rectified import rectified_ignore_regions, rectified_truth
from edge.synth.scene import Scene, StoneLayer, render_board, render_random_board
from edge.synth.stones import STYLES
from edge.synth.truth import RenderedBoard, StoneTruth

__all__ = [
    "HandLook",
    "HandPose",
    "RenderedBoard",
    "STYLES",
    "Scene",
    "StoneLayer",
    "StoneTruth",
    "random_position",
    "rectified_ignore_regions",
    "rectified_truth",
    "render_board",
    "render_random_board",
]
