import numpy as np
import pytest

from datasets import shapes


def test_draw_example_is_deterministic_and_captioned():
    image_a, caption_a = shapes.draw_example(np.random.default_rng(3), 32)
    image_b, caption_b = shapes.draw_example(np.random.default_rng(3), 32)
    np.testing.assert_array_equal(image_a, image_b)
    assert caption_a == caption_b
    assert image_a.shape == (32, 32, 3) and image_a.dtype == np.uint8
    words = caption_a.split()
    assert words[0] == "a" and words[1] in shapes.SIZES
    assert words[2] in shapes.COLOURS and words[3] in shapes.SHAPES


def test_caption_matches_layout():
    rng = np.random.default_rng(0)
    for _ in range(50):
        first, second, axis = shapes.sample_scene(rng, 64)
        caption = shapes.caption_of(first, second, axis)
        index = 0 if axis == "x" else 1
        before = first.center[index] < second.center[index]
        word = {("x", True): "left", ("x", False): "right",
                ("y", True): "above", ("y", False): "below"}[(axis, before)]
        assert word in caption.split()
        assert caption.startswith(first.phrase())
        assert caption.endswith(second.phrase())


def test_shapes_do_not_overlap_and_keep_their_colours():
    rng = np.random.default_rng(1)
    for _ in range(20):
        first, second, _ = shapes.sample_scene(rng, 48)
        masks = [shapes.shape_mask(s.kind, s.center, s.radius, 48)
                 for s in (first, second)]
        assert masks[0].any() and masks[1].any()
        assert not (masks[0] & masks[1]).any()
        image = shapes.render_scene((first, second), 48)
        for spec, mask in zip((first, second), masks):
            assert (image[mask] == shapes.COLOURS[spec.colour]).all()


def test_shape_areas_are_ordered():
    areas = {kind: shapes.shape_mask(kind, (32, 32), 10, 64).sum()
             for kind in shapes.SHAPES}
    assert areas["triangle"] < areas["circle"] < areas["square"]
    assert abs(areas["circle"] - np.pi * 100) < 15


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="kind"):
        shapes.shape_mask("hexagon", (5, 5), 2, 16)
    with pytest.raises(ValueError, match="image_size"):
        shapes.sample_scene(np.random.default_rng(0), 8)


def test_true_captions_name_the_scene_both_ways():
    rng = np.random.default_rng(3)
    for _ in range(50):
        first, second, axis = shapes.sample_scene(rng, 64)
        caption = shapes.caption_of(first, second, axis)
        assert shapes.true_captions(caption) == (
            caption, shapes.caption_of(second, first, axis))


def test_true_captions_reject_other_text():
    with pytest.raises(ValueError, match="expected '<object> <relation>"):
        shapes.true_captions("a red circle next to a blue square")
