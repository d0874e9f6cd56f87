"""What the camera adds: exposure, white balance, vignetting, uneven light,
lens softness, motion blur, sensor noise and JPEG compression."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge.synth.wood import smooth_noise


@dataclass(frozen=True)
class Exposure:
    gain: np.ndarray
    """(H, W, 3) float32 per-pixel multiplier: exposure x white balance x vignette x uneven light."""
    contrast: float
    softness: float
    """Sigma (px) of the lens/demosaic blur."""
    noise_sigma: float
    """Sensor read noise (0..255 units)."""
    shot_noise: float
    """Signal-dependent noise factor."""
    jpeg_quality: int

    @classmethod
    def random(cls, shape: tuple[int, int], rng: np.random.Generator) -> "Exposure":
        h, w = shape
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        r2 = ((xx - w / 2) ** 2 + (yy - h / 2) ** 2) / ((w / 2) ** 2 + (h / 2) ** 2)
        vignette = 1.0 - rng.uniform(0.0, 0.45) * r2
        angle = rng.uniform(0, 2 * np.pi)
        ramp = ((xx - w / 2) * np.cos(angle) + (yy - h / 2) * np.sin(angle)) / max(w, h)
        uneven = 1.0 + rng.uniform(0.0, 0.35) * ramp + rng.uniform(0.0, 0.08) * smooth_noise(shape, (3, 3), rng)
        temperature = rng.uniform(-1, 1)
        balance = np.array([1 - 0.12 * temperature, 1 + rng.uniform(-0.03, 0.03), 1 + 0.12 * temperature], dtype=np.float32)
        exposure = rng.uniform(0.7, 1.25)
        gain = (exposure * vignette * uneven)[:, :, None] * balance[None, None, :]
        return cls(
            gain=gain.astype(np.float32),
            contrast=float(rng.uniform(0.8, 1.2)),
            softness=float(rng.uniform(0.35, 1.0)),
            noise_sigma=float(rng.uniform(1.0, 5.0)),
            shot_noise=float(rng.uniform(0.0, 0.35)),
            jpeg_quality=int(rng.integers(40, 93)),
        )


def expose(canvas: np.ndarray, exposure: Exposure, drift: float) -> np.ndarray:
    """Apply light level, white balance and contrast (in place); `drift` in -1..1
    dims or brightens the room."""
    scale = np.float32((1.0 + 0.35 * drift) * exposure.contrast)
    canvas *= exposure.gain
    if scale != 1.0:
        canvas *= scale
    if exposure.contrast != 1.0:
        canvas += np.float32(128.0 * (1.0 - exposure.contrast))
    return canvas


def wide_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur whose cost does not grow with sigma: large sigmas are done
    at reduced resolution (soft shadows and shading have no fine detail)."""
    factor = int(sigma // 3)
    if factor < 2:
        return cv2.GaussianBlur(image, (0, 0), max(sigma, 0.1))
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / factor)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def soften(image: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), sigma) if sigma > 0.05 else image


def apply_motion_blur(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    length = rng.uniform(3.0, 9.0)
    angle = rng.uniform(0, np.pi)
    size = int(np.ceil(length)) | 1
    kernel = np.zeros((size, size), np.float32)
    c = size // 2
    dx, dy = np.cos(angle) * length / 2, np.sin(angle) * length / 2
    cv2.line(kernel, (int(round((c - dx) * 16)), int(round((c - dy) * 16))), (int(round((c + dx) * 16)), int(round((c + dy) * 16))), 1.0, 1, cv2.LINE_AA, 4)
    kernel /= max(kernel.sum(), 1e-6)
    return cv2.filter2D(image, -1, kernel)


def add_noise(image: np.ndarray, exposure: Exposure, rng: np.random.Generator) -> np.ndarray:
    """Luminance noise per pixel plus coarser colour noise, as demosaicing leaves it
    (in place: the frame pipeline owns `image`)."""
    h, w = image.shape[:2]
    chroma = rng.standard_normal(((h + 1) // 2, (w + 1) // 2, 3), dtype=np.float32)
    noise = cv2.resize(chroma, (w, h), interpolation=cv2.INTER_LINEAR)
    noise *= np.float32(0.6)
    noise += rng.standard_normal((h, w, 1), dtype=np.float32)
    sigma = cv2.sqrt(cv2.max(image, 0.0))
    sigma *= np.float32(exposure.shot_noise)
    sigma += np.float32(exposure.noise_sigma)
    noise *= sigma
    image += noise
    return image


def jpeg_roundtrip(image: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        return image
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def glare_map(shape: tuple[int, int], centre: np.ndarray, size_px: float, rng: np.random.Generator) -> np.ndarray:
    """(H, W) float32 0..1 reflection of a lamp or window on the glossy surface."""
    h, w = shape
    mask = np.zeros((h, w), np.float32)
    axes = (float(size_px * rng.uniform(0.6, 1.6)), float(size_px * rng.uniform(0.3, 0.9)))
    cv2.ellipse(mask, ((float(centre[0]), float(centre[1])), axes, float(rng.uniform(0, 180))), 1.0, -1, cv2.LINE_AA)
    return wide_blur(mask, size_px * rng.uniform(0.2, 0.5))
