"""Procedural captioning data: two coloured shapes and their true caption.

Each scene holds two shapes on a grey background, side by side or one
above the other, never overlapping. Their kind, colour and size are drawn
at random, and the caption names both objects and their relation, e.g.

```
a small red circle left of a large blue square
a large green triangle above a small yellow circle
```

The first-named object is chosen at random, so "left of" and "right of"
(or "above" and "below") both occur and the model must read the layout.
Every scene therefore has two true captions, the second naming the objects
the other way round (`true_captions`); exact-caption accuracy accepts
either. All functions are pure: randomness comes from an
`np.random.Generator`.
"""

import dataclasses

import numpy as np

SHAPES = ("circle", "square", "triangle")
COLOURS = {
    "red": (220, 40, 40),
    "green": (40, 180, 60),
    "blue": (50, 80, 230),
    "yellow": (235, 210, 40),
}
SIZES = {"small": 0.14, "large": 0.24}  # radius as a fraction of the side
BACKGROUND = (128, 128, 128)
RELATIONS = {  # (axis, first object comes before the second) -> words
    ("x", True): "left of",
    ("x", False): "right of",
    ("y", True): "above",
    ("y", False): "below",
}


@dataclasses.dataclass(frozen=True)
class ShapeSpec:
    """One shape of a scene, in pixels.

    Args:
        kind: str, one of `SHAPES`.
        colour: str, a key of `COLOURS`.
        size: str, a key of `SIZES`.
        center: `(x, y)` floats, the centre in pixels.
        radius: float, half the side (square) or circumradius, in pixels.
    """

    kind: str  # one of SHAPES
    colour: str  # a key of COLOURS
    size: str  # a key of SIZES
    center: tuple  # (x, y) pixels
    radius: float  # pixels

    def phrase(self) -> str:
        """`"a small red circle"`."""
        return f"a {self.size} {self.colour} {self.kind}"


def shape_mask(kind: str, center, radius: float, image_size: int) -> np.ndarray:
    """Boolean `(image_size, image_size)` mask of one filled shape.

    Args:
        kind: `"circle"`, `"square"` or `"triangle"` (pointing up).
        center: `(x, y)` in pixels.
        radius: float, circle radius, half the square's side, or the
            triangle's circumradius, in pixels.
        image_size: int, side of the square image.

    Raises:
        ValueError: for an unknown `kind`.
    """
    y, x = np.mgrid[0:image_size, 0:image_size].astype("float32") + 0.5
    cx, cy = center
    dx, dy = x - cx, y - cy
    if kind == "circle":
        return dx * dx + dy * dy <= radius * radius
    if kind == "square":
        return (np.abs(dx) <= radius) & (np.abs(dy) <= radius)
    if kind == "triangle":
        # Apex at (cx, cy - r); base at y = cy + r / 2, half-width r*sqrt(3)/2.
        top, bottom = -radius, radius / 2
        inside_y = (dy >= top) & (dy <= bottom)
        half_width = (dy - top) / (bottom - top) * radius * np.sqrt(3) / 2
        return inside_y & (np.abs(dx) <= half_width)
    raise ValueError(
        f"Received `kind={kind!r}`; expected one of {SHAPES}."
    )


def sample_scene(rng: np.random.Generator, image_size: int = 64):
    """Draws the layout of one scene (no pixels yet).

    Args:
        rng: `np.random.Generator`.
        image_size: int, side of the image in pixels. Defaults to `64`.

    Returns:
        `(first, second, axis)`: the two `ShapeSpec`s in caption order and
        `"x"` (side by side) or `"y"` (stacked).
    """
    if image_size < 16:
        raise ValueError(
            f"Received `image_size={image_size}`; expected at least 16."
        )
    axis = "x" if rng.random() < 0.5 else "y"
    specs = []
    for slot in (0, 1):  # slot 0 is left (or top), slot 1 right (or bottom)
        size = str(rng.choice(list(SIZES)))
        radius = SIZES[size] * image_size
        lo = slot * image_size / 2 + radius + 1
        hi = (slot + 1) * image_size / 2 - radius - 1
        along = rng.uniform(lo, max(lo, hi))
        across = rng.uniform(radius + 1, image_size - radius - 1)
        center = (along, across) if axis == "x" else (across, along)
        specs.append(ShapeSpec(
            kind=str(rng.choice(SHAPES)),
            colour=str(rng.choice(list(COLOURS))),
            size=size,
            center=center,
            radius=radius,
        ))
    if rng.random() < 0.5:
        specs.reverse()
    return specs[0], specs[1], axis


def caption_of(first: ShapeSpec, second: ShapeSpec, axis: str) -> str:
    """The true caption, e.g. `"a small red circle left of a blue square"`."""
    index = 0 if axis == "x" else 1
    before = first.center[index] < second.center[index]
    return f"{first.phrase()} {RELATIONS[(axis, before)]} {second.phrase()}"


def true_captions(caption: str) -> tuple[str, str]:
    """Both true captions of the scene that `caption` describes.

    Args:
        caption: str, a caption from `caption_of`, e.g.
            `"a small red circle left of a large blue square"`.

    Returns:
        `(caption, swapped)`: the same scene named the other way round.

    Raises:
        ValueError: if `caption` is not of the form `caption_of` writes.

    Example:

    >>> true_captions("a small red circle left of a large blue square")[1]
    'a large blue square right of a small red circle'
    """
    opposite = {
        "left of": "right of", "right of": "left of",
        "above": "below", "below": "above",
    }
    for relation, inverse in opposite.items():
        first, found, second = caption.partition(f" {relation} ")
        if found and first.startswith("a ") and second.startswith("a "):
            return caption, f"{second} {inverse} {first}"
    raise ValueError(
        f"Received `caption={caption!r}`; expected '<object> <relation> "
        "<object>' such as 'a small red circle left of a large blue square'."
    )


def render_scene(shapes, image_size: int = 64) -> np.ndarray:
    """Paints shapes onto a grey canvas; returns uint8 `(size, size, 3)`."""
    image = np.empty((image_size, image_size, 3), "uint8")
    image[:] = BACKGROUND
    for spec in shapes:
        mask = shape_mask(spec.kind, spec.center, spec.radius, image_size)
        image[mask] = COLOURS[spec.colour]
    return image


def draw_example(rng: np.random.Generator, image_size: int = 64):
    """One random image and its true caption.

    Example:

    >>> image, caption = draw_example(np.random.default_rng(0), 32)
    >>> image.shape, caption.split()[0]
    ((32, 32, 3), 'a')
    """
    first, second, axis = sample_scene(rng, image_size)
    return render_scene((first, second), image_size), caption_of(
        first, second, axis
    )


def draw_examples(rng: np.random.Generator, count: int, image_size: int = 64):
    """`count` examples: uint8 images `(count, size, size, 3)` and captions."""
    images = np.empty((count, image_size, image_size, 3), "uint8")
    captions = []
    for i in range(count):
        images[i], caption = draw_example(rng, image_size)
        captions.append(caption)
    return images, captions
