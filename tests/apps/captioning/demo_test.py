"""The captioning demo end to end, at toy size."""

import json

import keras
import pytest

from apps.captioning import demo
from tests.apps.captioning.conftest import TINY_MODEL, tiny_train_config

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="the demo exports, which needs KERAS_BACKEND=tensorflow",
)


def test_demo_trains_exports_and_serves_from_a_fresh_process(tmp_path):
    output_dir = tmp_path / "out"
    served = demo.demo(
        TINY_MODEL, tiny_train_config(tmp_path / "run"),
        str(tmp_path / "models" / "captioning"), str(output_dir), scenes=2,
    )
    answer_line, leak_line = served.splitlines()
    answers = json.loads(answer_line)
    # Two scenes get captions; the cut scene and the two bad requests get
    # errors in the same request.
    assert answers["error"] == [
        "", "",
        "not a decodable JPEG or PNG image (truncated: no IEND chunk at its "
        "end)",
        "not a JPEG or PNG image", "empty image",
    ]
    assert all(answers["caption"][:2])
    assert answers["caption"][2:] == ["", "", ""]
    # The attention plot draws the server's own `attend` answer for the
    # first scene: its words are the served caption (the demo checks it).
    words = [w for w in answers["attend_tokens"] if w not in ("", "<end>")]
    assert " ".join(words) == answers["caption"][0]
    assert len(answers["attention"]) == len(answers["attend_tokens"])
    assert leak_line.endswith("loaded: none")
    assert (tmp_path / "models" / "captioning" / "1" / "saved_model.pb"
            ).is_file()
    assert (tmp_path / "models" / "models.config").is_file()
    plot = (output_dir / "attention.png").read_bytes()
    assert plot.startswith(b"\x89PNG") and len(plot) > 1000
