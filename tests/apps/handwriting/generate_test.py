import numpy as np
import pytest

from apps.handwriting import generate
from datasets import strokes as stroke_format


def test_generate_returns_lines_with_their_window(restored):
    lines = generate.generate(restored, ["ab", "hello"], bias=1.0, seed=2,
                              points_per_character=10)
    assert [line.text for line in lines] == ["ab", "hello"]
    for line in lines:
        assert line.strokes.shape[1] == 3
        assert len(line.strokes) <= 10 * len(line.text)
        assert line.phi.shape == (len(line.strokes) + 1, len(line.text) + 1)
    again = generate.generate(restored, ["ab", "hello"], bias=1.0, seed=2,
                              points_per_character=10)
    np.testing.assert_array_equal(again[1].strokes, lines[1].strokes)


def test_priming_reads_the_style_text_first(restored, tmp_path):
    style = generate.validation_style(restored, 0)
    path = tmp_path / "style.npz"
    generate.save_style(path, style)
    loaded = generate.load_style(path)
    assert loaded.text == style.text
    np.testing.assert_array_equal(loaded.strokes, style.strokes)
    (line,) = generate.generate(restored, ["ab"], style=loaded,
                                points_per_character=10)
    assert line.read == f"{style.text} ab"
    assert len(line.phi) == len(style.strokes) + len(line.strokes) + 1
    with pytest.raises(ValueError, match="validation split has 4 lines"):
        generate.validation_style(restored, 4)
    (tmp_path / "bad.npz").write_bytes(b"junk")
    with pytest.raises(ValueError, match="not a style file"):
        generate.load_style(tmp_path / "bad.npz")


def test_cli_writes_svg_png_and_phi(tiny_run, tmp_path, capsys):
    prefix = tmp_path / "out" / "line"
    generate.main(["--run_dir", str(tiny_run), "--text", "ab", "ba",
                   "--bias", "0", "2", "--output", str(prefix),
                   "--points_per_character", "8"])
    written = capsys.readouterr().out.split()
    names = sorted(p.name for p in prefix.parent.iterdir())
    assert names == ["line.png", "line_0.svg", "line_1.svg", "line_2.svg",
                     "line_3.svg", "line_phi.png"]
    assert written.count("Wrote") == 6
    svg = (prefix.parent / "line_0.svg").read_text()
    assert stroke_format.svg_to_strokes(svg).shape[1] == 3
    assert (prefix.parent / "line.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("flags, message", [
    (["--text", "caf\u00e9"], "outside the model's alphabet"),
    (["--bias", "-1"], "bias"),
    (["--save_style", "x.npz"], "without a style"),
    (["--prime_line", "0", "--style", "s.npz"], "pass one of them"),
])
def test_cli_errors_are_one_line(tiny_run, tmp_path, capsys, flags,
                                 message):
    with pytest.raises(SystemExit) as exit_info:
        generate.main(["--run_dir", str(tiny_run), "--output",
                       str(tmp_path / "o")] + flags)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
