import numpy as np
import pytest

from datasets import iam_ondb
from datasets.files import CorruptFileError
from tests.datasets.conftest import shared_dir

_XML = """<?xml version="1.0" encoding="ISO-8859-1"?>
<WhiteboardCaptureSession><StrokeSet>
<Stroke colour="black"><Point x="100" y="50" time="0"/>
<Point x="103" y="48" time="1"/></Stroke>
<Stroke colour="black"><Point x="110" y="55" time="2"/></Stroke>
</StrokeSet></WhiteboardCaptureSession>"""


def _write_forms(root):
    strokes_dir = root / "lineStrokes" / "a01" / "a01-000"
    ascii_dir = root / "ascii" / "a01" / "a01-000"
    strokes_dir.mkdir(parents=True)
    ascii_dir.mkdir(parents=True)
    for line in (1, 2):
        (strokes_dir / f"a01-000u-0{line}.xml").write_text(_XML)
    (ascii_dir / "a01-000u.txt").write_text(
        "OCR:\n\nsome text\n\nCSR: \n\nA MOVE to\nstop Mr .\n")
    (strokes_dir / "a01-000x-01.xml").write_text(_XML)  # no transcription


def test_xml_lines_pair_with_their_transcription(tmp_path):
    _write_forms(tmp_path)
    lines = iam_ondb.load_iam_ondb(tmp_path)
    assert lines.texts == ["A MOVE to", "stop Mr ."]
    assert lines.ids == ["a01-000u-01", "a01-000u-02"]
    assert lines.strokes[0].tolist() == [[0, 0, 0], [3, -2, 1], [7, 7, 1]]


def test_npz_reader_on_a_small_file(tmp_path):
    path = tmp_path / iam_ondb.NPZ_FILE
    np.savez(path, offsets_xy=np.array([[0, 0], [2, 1], [0, 0]], np.int16),
             pen_up=np.array([0, 1, 1], np.uint8),
             seq_start=np.array([0, 2, 3]),
             line_ids=np.array(["a01-000u-01", "b02-001x-01"]),
             texts=np.array(["hi", "x"]))
    lines = iam_ondb.load_iam_ondb(tmp_path)
    assert [s.tolist() for s in lines.strokes] == [
        [[0, 0, 0], [2, 1, 1]], [[0, 0, 1]]]
    assert lines.texts == ["hi", "x"]


def test_corrupt_and_missing_files(tmp_path):
    path = tmp_path / iam_ondb.NPZ_FILE
    path.write_bytes(b"not a zip")
    with pytest.raises(CorruptFileError, match="not a readable npz"):
        iam_ondb.load_npz(path)
    with pytest.raises(FileNotFoundError, match="lineStrokes not found"):
        iam_ondb.load_iam_ondb(tmp_path / "nothing")
    bad = tmp_path / "bad.xml"
    bad.write_text("<Stroke><Point x='1'")
    with pytest.raises(CorruptFileError, match="not an IAM-OnDB stroke"):
        iam_ondb.read_line_xml(bad)


def test_split_keeps_forms_together():
    ids = [f"a0{f}-00{f}u-0{n}" for f in range(10) for n in (1, 2, 3)]
    lines = iam_ondb.StrokeLines([np.zeros((1, 3))] * 30, ["t"] * 30, ids)
    train, validation = iam_ondb.split_by_form(lines, 0.3)
    assert len(train) + len(validation) == 30
    train_forms = {iam_ondb.form_id(i) for i in train.ids}
    assert not train_forms & {iam_ondb.form_id(i) for i in validation.ids}
    again, _ = iam_ondb.split_by_form(lines, 0.3)
    assert again.ids == train.ids


def test_real_npz_matches_its_source_description():
    folder = shared_dir("iam_ondb_strokes", iam_ondb.NPZ_FILE)
    lines = iam_ondb.load_iam_ondb(folder)
    assert len(lines) == 12178
    assert lines.ids[0] == "a01-000u-01"
    assert lines.texts[0] == "A MOVE to stop Mr . Gaitskell"
    assert lines.strokes[0][0].tolist() == [0, 0, 0]
    lengths = [len(s) for s in lines.strokes]
    assert (min(lengths), max(lengths)) == (31, 1940)
    train, validation = iam_ondb.split_by_form(lines)
    assert 0.03 < len(validation) / len(lines) < 0.07
