"""`goban-edge detect IMAGE --corners ...`: what the model sees, as JSON and a picture."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2

from calibration.corners import corners_from_arg
from edge.capture.still import read_image
from edge.detect.detector import DEFAULT_MODEL, StoneDetector
from edge.errors import BadInputError
from edge.rectify.warp import rectify


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("detect", help="run the stone detector on one image and print the detections")
    p.add_argument("image", help="image file")
    p.add_argument("--corners", required=True, help='outer grid corners "x,y x,y x,y x,y", clockwise from top-left')
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="the .tflite model (default: shipped int8)")
    p.add_argument("--delegate", choices=("auto", "cpu", "edgetpu"), default="auto")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--threshold", type=float, default=0.3, help="lowest score printed")
    p.add_argument("--annotate", type=Path, help="write the rectified board with boxes to this PNG")
    p.add_argument("--exif", action="store_true", help="apply the EXIF orientation tag")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    image = read_image(args.image, args.exif)
    corners = corners_from_arg(args.corners, (image.shape[1], image.shape[0]))
    detector = StoneDetector.load(args.model, delegate=args.delegate, threads=args.threads,
                                  score_threshold=args.threshold)
    board = rectify(image, corners, detector.geometry)
    detections = detector.detect(board)
    print(json.dumps({
        "image": str(args.image),
        "model": str(detector.model.path),
        "delegate": detector.model.delegate_description,
        "latency_ms": round(detector.last_latency_s * 1000, 2),
        "rectified_px": detector.geometry.image_px,
        "detections": [
            {"box": [round(v, 2) for v in (d.x0, d.y0, d.x1, d.y1)], "color": d.color.upper(),
             "score": round(d.score, 4)}
            for d in detections
        ],
    }))
    if args.annotate:
        canvas = board.copy()
        for d in detections:
            color = (0, 0, 255) if d.color == "b" else (255, 128, 0)
            cv2.rectangle(canvas, (round(d.x0), round(d.y0)), (round(d.x1), round(d.y1)), color, 1)
        canvas = cv2.resize(canvas, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
        if not cv2.imwrite(str(args.annotate), canvas):
            raise BadInputError(f"cannot write {args.annotate}")
    return 0
