"""Go stones as 3D lens-shaped bodies, ray-traced per pixel.

A stone is the intersection of two spherical caps meeting at its rim: the top
cap `cap_top` high and the bottom cap `cap_bottom` high (equal for slate and
shell, a flatter bottom for yunzi and glass). Its silhouette is the convex
hull of projected surface samples; each pixel inside it is shaded from the
exact ray/cap intersection, so parallax, foreshortening and highlights follow
the camera and the light.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge.synth.camera import Camera
from edge.synth.photo import wide_blur

STYLES: tuple[str, ...] = ("slate_shell", "yunzi", "plastic", "glass")
_SHIFT = 4
_ONE = float(1 << _SHIFT)
_ANGLES = np.linspace(0, 2 * np.pi, 20, endpoint=False)
_TOP_RINGS = (1.0, 0.93, 0.78, 0.5, 0.0)
_BOTTOM_RINGS = (0.93, 0.78, 0.5)


@dataclass(frozen=True)
class Light:
    direction: np.ndarray
    """Unit world vector towards the (distant) main light; its z is negative (up)."""
    ambient: float
    diffuse: float
    colour: np.ndarray
    """(3,) BGR multiplier of the light."""
    shadow_strength: float
    shadow_blur: float
    """Penumbra as a fraction of the grid pitch in px."""

    @classmethod
    def random(cls, rng: np.random.Generator) -> "Light":
        elevation = np.radians(rng.uniform(35, 88))
        azimuth = rng.uniform(0, 2 * np.pi)
        d = np.array([np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), -np.sin(elevation)])
        warm = rng.uniform(-0.08, 0.08)
        return cls(
            direction=d,
            ambient=float(rng.uniform(0.35, 0.75)),
            diffuse=float(rng.uniform(0.4, 0.9)),
            colour=np.array([1 - warm, 1.0, 1 + warm], dtype=np.float32),
            shadow_strength=float(rng.uniform(0.2, 0.6)),
            shadow_blur=float(rng.uniform(0.05, 0.25)),
        )


@dataclass(frozen=True)
class StoneFinish:
    albedo: tuple[float, float, float]
    """BGR reflectance 0..1."""
    specular: float
    shininess: float
    sheen: float
    """Grazing-angle reflection of the room (Fresnel-like rim brightening)."""
    stripes: float
    """Amplitude of shell growth stripes (0: none)."""


@dataclass(frozen=True)
class StoneSet:
    """One set of stones: a style, sizes and the two finishes."""

    style: str
    black: StoneFinish
    white: StoneFinish
    diameter_black: float
    diameter_white: float
    cap_top: float
    cap_bottom: float

    @classmethod
    def random(cls, rng: np.random.Generator, pitch_x: float, style: str | None = None) -> "StoneSet":
        style = style or STYLES[rng.integers(len(STYLES))]
        d_white = pitch_x * rng.uniform(0.94, 0.99)
        d_black = d_white + rng.uniform(0.0, 0.4)

        def jitter(bgr: tuple[float, float, float], amount: float) -> tuple[float, float, float]:
            k = rng.uniform(1 - amount, 1 + amount)
            return tuple(float(np.clip(c * k * rng.uniform(0.97, 1.03), 0, 1)) for c in bgr)

        if style == "slate_shell":
            height = rng.uniform(6.5, 10.0)
            black = StoneFinish(jitter((0.09, 0.09, 0.1), 0.2), rng.uniform(0.05, 0.15), rng.uniform(6, 14), 0.05, 0.0)
            white = StoneFinish(jitter((0.86, 0.9, 0.92), 0.06), rng.uniform(0.12, 0.3), rng.uniform(20, 40), 0.08, rng.uniform(0.02, 0.05))
            top = bottom = height / 2
        elif style == "yunzi":
            height = rng.uniform(6.0, 8.0)
            black = StoneFinish(jitter((0.09, 0.11, 0.08), 0.2), rng.uniform(0.04, 0.12), rng.uniform(5, 10), 0.06, 0.0)
            white = StoneFinish(jitter((0.74, 0.85, 0.88), 0.06), rng.uniform(0.06, 0.16), rng.uniform(8, 16), 0.06, 0.0)
            top = height * rng.uniform(0.68, 0.78)
            bottom = height - top
        elif style == "plastic":
            height = rng.uniform(5.5, 8.0)
            black = StoneFinish(jitter((0.05, 0.05, 0.05), 0.3), rng.uniform(0.3, 0.6), rng.uniform(40, 80), 0.15, 0.0)
            white = StoneFinish(jitter((0.93, 0.93, 0.93), 0.04), rng.uniform(0.25, 0.5), rng.uniform(40, 80), 0.1, 0.0)
            top = bottom = height / 2
        elif style == "glass":
            height = rng.uniform(5.5, 7.5)
            black = StoneFinish(jitter((0.05, 0.04, 0.04), 0.3), rng.uniform(0.6, 1.0), rng.uniform(80, 160), 0.25, 0.0)
            white = StoneFinish(jitter((0.86, 0.88, 0.88), 0.05), rng.uniform(0.5, 0.9), rng.uniform(80, 160), 0.15, 0.0)
            top = height * rng.uniform(0.75, 0.9)
            bottom = height - top
        else:
            raise ValueError(f"unknown stone style {style!r}; expected one of {', '.join(STYLES)}")
        return cls(style, black, white, float(d_black), float(d_white), float(top), float(bottom))


@dataclass(frozen=True)
class StoneBatch:
    """N stones as arrays, ready to project and shade together."""

    base: np.ndarray
    """(N, 3) world mm of the centre of each stone's bottom (on the surface it lies on)."""
    radius: np.ndarray
    cap_top: np.ndarray
    cap_bottom: np.ndarray
    albedo: np.ndarray
    """(N, 3) BGR 0..1."""
    specular: np.ndarray
    shininess: np.ndarray
    sheen: np.ndarray
    stripes: np.ndarray
    stripe_dir: np.ndarray
    """(N,) angle of the stripes in the stone's plane."""
    stripe_period: np.ndarray
    stripe_phase: np.ndarray

    def __len__(self) -> int:
        return len(self.base)

    @classmethod
    def build(
        cls, stone_set: StoneSet, bases: np.ndarray, colours: list[str], rng: np.random.Generator
    ) -> "StoneBatch":
        n = len(colours)
        finishes = [stone_set.black if c == "b" else stone_set.white for c in colours]
        diam = np.array([stone_set.diameter_black if c == "b" else stone_set.diameter_white for c in colours])
        # Each stone differs a little: a set is never perfectly uniform.
        albedo = np.array([f.albedo for f in finishes], dtype=np.float32).reshape(n, 3)
        albedo *= rng.uniform(0.94, 1.06, size=(n, 1)).astype(np.float32)
        return cls(
            base=np.asarray(bases, dtype=np.float64).reshape(n, 3),
            radius=diam / 2 * rng.uniform(0.985, 1.015, size=n),
            cap_top=np.full(n, stone_set.cap_top) * rng.uniform(0.95, 1.05, size=n),
            cap_bottom=np.full(n, stone_set.cap_bottom) * rng.uniform(0.95, 1.05, size=n),
            albedo=np.clip(albedo, 0, 1),
            specular=np.array([f.specular for f in finishes], dtype=np.float32),
            shininess=np.array([f.shininess for f in finishes], dtype=np.float32),
            sheen=np.array([f.sheen for f in finishes], dtype=np.float32),
            stripes=np.array([f.stripes for f in finishes], dtype=np.float32),
            stripe_dir=rng.uniform(0, np.pi, size=n).astype(np.float32),
            stripe_period=rng.uniform(1.2, 2.6, size=n).astype(np.float32),
            stripe_phase=rng.uniform(0, 2 * np.pi, size=n).astype(np.float32),
        )

    def cap_radii(self) -> tuple[np.ndarray, np.ndarray]:
        """Sphere radii of the top and bottom caps."""
        r2 = self.radius**2
        return (r2 + self.cap_top**2) / (2 * self.cap_top), (r2 + self.cap_bottom**2) / (2 * self.cap_bottom)

    def surface_samples(self) -> np.ndarray:
        """(N, K, 3) points on the stone's surface whose hull, seen from anywhere, is its silhouette."""
        r_top, r_bot = self.cap_radii()
        rings = []
        for frac in _TOP_RINGS:
            rho = frac * self.radius
            height = self.cap_bottom + np.sqrt(np.maximum(r_top**2 - rho**2, 0)) - (r_top - self.cap_top)
            rings.append((rho, height, 1 if frac == 0.0 else len(_ANGLES)))
        for frac in _BOTTOM_RINGS:
            rho = frac * self.radius
            height = self.cap_bottom - (np.sqrt(np.maximum(r_bot**2 - rho**2, 0)) - (r_bot - self.cap_bottom))
            rings.append((rho, height, len(_ANGLES)))
        parts = []
        for rho, height, count in rings:
            ang = _ANGLES[:count]
            x = self.base[:, 0:1] + rho[:, None] * np.cos(ang)[None, :]
            y = self.base[:, 1:2] + rho[:, None] * np.sin(ang)[None, :]
            z = np.broadcast_to(self.base[:, 2:3] - height[:, None], x.shape)
            parts.append(np.stack([x, y, z], axis=-1))
        return np.concatenate(parts, axis=1)

    def footprint(self, scale: float = 0.9) -> np.ndarray:
        """(N, A, 3) circle under each stone, where it nearly touches the surface."""
        rho = self.radius * scale
        x = self.base[:, 0:1] + rho[:, None] * np.cos(_ANGLES)[None, :]
        y = self.base[:, 1:2] + rho[:, None] * np.sin(_ANGLES)[None, :]
        z = np.broadcast_to(self.base[:, 2:3], x.shape)
        return np.stack([x, y, z], axis=-1)


def _hulls(camera: Camera, points: np.ndarray) -> list[np.ndarray]:
    n, k, _ = points.shape
    img = camera.project(points.reshape(-1, 3)).astype(np.float32).reshape(n, k, 2)
    return [cv2.convexHull(img[i]).reshape(-1, 2) for i in range(n)]


def silhouettes(camera: Camera, batch: StoneBatch) -> list[np.ndarray]:
    """Each stone's silhouette as a convex (K, 2) float32 image polygon."""
    if len(batch) == 0:
        return []
    return _hulls(camera, batch.surface_samples())


def _fixed(poly: np.ndarray) -> np.ndarray:
    return np.round(poly * _ONE).astype(np.int32)


def draw_shadows(canvas: np.ndarray, camera: Camera, batch: StoneBatch, light: Light, pitch_px: float) -> None:
    """Darken the surface under and beside the stones (cast shadow plus contact shadow)."""
    if len(batch) == 0:
        return
    h, w = canvas.shape[:2]
    samples = batch.surface_samples()
    v = -light.direction
    s = (batch.base[:, None, 2] - samples[..., 2]) / v[2]
    cast = samples + s[..., None] * v[None, None, :]
    cast_hulls = _hulls(camera, cast)
    contact_hulls = _hulls(camera, batch.footprint(0.85))
    allpts = np.concatenate(cast_hulls + contact_hulls)
    pad = int(3 * pitch_px) + 2
    x0, y0 = np.maximum(np.floor(allpts.min(axis=0)).astype(int) - pad, 0)
    x1, y1 = np.minimum(np.ceil(allpts.max(axis=0)).astype(int) + pad, [w, h])
    if x1 <= x0 or y1 <= y0:
        return
    offset = np.array([x0, y0], dtype=np.float32)
    cast_mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    contact_mask = np.zeros_like(cast_mask)
    for hull in cast_hulls:
        cv2.fillConvexPoly(cast_mask, _fixed(hull - offset), 255, cv2.LINE_AA, _SHIFT)
    for hull in contact_hulls:
        cv2.fillConvexPoly(contact_mask, _fixed(hull - offset), 255, cv2.LINE_AA, _SHIFT)
    sigma = max(0.8, light.shadow_blur * pitch_px)
    shade = wide_blur(cast_mask.astype(np.float32), sigma) * (light.shadow_strength / 255.0)
    shade += wide_blur(contact_mask.astype(np.float32), max(0.8, 0.12 * pitch_px)) * (0.35 / 255.0)
    np.clip(shade, 0, 0.85, out=shade)
    roi = canvas[y0:y1, x0:x1]
    roi *= (1.0 - shade)[:, :, None]


def draw_stones(canvas: np.ndarray, camera: Camera, batch: StoneBatch, light: Light) -> list[np.ndarray]:
    """Ray-trace the stones onto `canvas` (float32 BGR 0..255); returns their silhouettes."""
    outlines = silhouettes(camera, batch)
    if not outlines:
        return outlines
    h, w = canvas.shape[:2]
    allpts = np.concatenate(outlines)
    x0, y0 = np.maximum(np.floor(allpts.min(axis=0)).astype(int) - 2, 0)
    x1, y1 = np.minimum(np.ceil(allpts.max(axis=0)).astype(int) + 3, [w, h])
    if x1 <= x0 or y1 <= y0:
        return outlines
    offset = np.array([x0, y0], dtype=np.float32)
    ids = np.full((y1 - y0, x1 - x0), -1.0, np.float32)
    cover = np.zeros((y1 - y0, x1 - x0), np.uint8)
    # Far stones first, so nearer ones hide them where parallax makes them overlap.
    order = np.argsort(-camera.depth(batch.base))
    for i in order:
        poly = _fixed(outlines[i] - offset)
        cv2.fillConvexPoly(ids, poly, float(i), cv2.LINE_8, _SHIFT)
        cv2.fillConvexPoly(cover, poly, 255, cv2.LINE_AA, _SHIFT)
    # Anti-aliased rim pixels just outside every hull take a neighbour's id.
    grown = cv2.dilate(ids, np.ones((3, 3), np.uint8))
    ids = np.where(ids >= 0, ids, grown)
    ys, xs = np.nonzero((cover > 0) & (ids >= 0))
    idx = ids[ys, xs].astype(np.int64)
    alpha = cover[ys, xs].astype(np.float32) * (1.0 / 255.0)
    colour = _shade(camera, batch, light, xs + x0, ys + y0, idx)
    roi = canvas[y0:y1, x0:x1]
    roi[ys, xs] = roi[ys, xs] * (1.0 - alpha)[:, None] + colour * alpha[:, None]
    return outlines


def _shade(camera: Camera, batch: StoneBatch, light: Light, xs: np.ndarray, ys: np.ndarray, idx: np.ndarray) -> np.ndarray:
    d = camera.rays(xs.astype(np.float32), ys.astype(np.float32))
    origin = camera.center
    r_top, r_bot = batch.cap_radii()
    base = batch.base[idx]
    top_c = base.copy()
    top_c[:, 2] -= batch.cap_bottom[idx] + batch.cap_top[idx] - r_top[idx]
    bot_c = base.copy()
    bot_c[:, 2] -= r_bot[idx]
    rim = batch.cap_bottom[idx].astype(np.float32)

    def hit(centre: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        oc = (origin[None, :] - centre).astype(np.float32)
        b = np.einsum("ij,ij->i", d, oc)
        perp = oc - b[:, None] * d
        disc = radius.astype(np.float32) ** 2 - np.einsum("ij,ij->i", perp, perp)
        t = -b - np.sqrt(np.maximum(disc, 0))
        p = oc + t[:, None] * d  # relative to the sphere centre
        return p, disc >= 0, (base[:, 2] - centre[:, 2]).astype(np.float32) - p[:, 2]

    p_top, ok_top, h_top = hit(top_c, r_top[idx])
    use_top = ok_top & (h_top >= rim - 1e-3)
    p_bot, ok_bot, h_bot = hit(bot_c, r_bot[idx])
    normal = np.where(use_top[:, None], p_top / r_top[idx, None].astype(np.float32), p_bot / r_bot[idx, None].astype(np.float32))
    # Pixels at the hull's edge that miss both caps (sampling of the hull) get a rim normal.
    miss = ~use_top & ~(ok_bot & (h_bot <= rim + 1e-3))
    if miss.any():
        side = p_top[miss].copy()
        side[:, 2] = 0
        side /= np.maximum(np.linalg.norm(side, axis=1, keepdims=True), 1e-6)
        normal[miss] = side
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    hit_xy = np.where(use_top[:, None], p_top[:, :2] + (top_c - base)[:, :2].astype(np.float32), p_bot[:, :2])

    L = light.direction.astype(np.float32)
    view = -d
    half = L[None, :] + view
    half /= np.linalg.norm(half, axis=1, keepdims=True)
    ndl = np.maximum(normal @ L, 0)
    hemi = 0.5 * (1 - normal[:, 2])
    flat = light.ambient + light.diffuse * max(0.0, -float(L[2]))
    lit = (light.ambient * hemi + light.diffuse * ndl) / flat

    albedo = batch.albedo[idx]
    amp = batch.stripes[idx]
    if amp.any():
        ang = batch.stripe_dir[idx]
        u = hit_xy[:, 0] * np.cos(ang) + hit_xy[:, 1] * np.sin(ang)
        v = -hit_xy[:, 0] * np.sin(ang) + hit_xy[:, 1] * np.cos(ang)
        wave = np.sin(2 * np.pi * (u + 0.02 * v * v) / batch.stripe_period[idx] + batch.stripe_phase[idx])
        albedo = albedo * (1 + amp * wave)[:, None]
    nh = np.maximum(np.einsum("ij,ij->i", normal, half), 0)
    spec = batch.specular[idx] * np.power(nh, batch.shininess[idx])
    ndv = np.maximum(np.einsum("ij,ij->i", normal, view), 0)
    sheen = batch.sheen[idx] * (1 - ndv) ** 4
    colour = albedo * lit[:, None] + (spec + sheen)[:, None]
    return colour * (255.0 * light.colour)[None, :]
