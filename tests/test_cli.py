"""`python -m transfer` as a user runs it: JSON shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import gradio.media
import pytest

from conftest import ROOT
from harness.corpus import hostile_shapes
from transfer.cli import main

pytestmark = pytest.mark.slow  # each test starts Python processes that load torch and a model


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "transfer", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_models_json_marks_offline_models():
    result = run_cli("models", "--json")
    assert result.returncode == 0, result.stderr
    entries = {entry["name"]: entry for entry in json.loads(result.stdout)}
    assert entries["tf_efficientnet_lite0"]["offline"] is True
    assert entries["resnet50.a1_in1k"]["offline"] is False


def test_classify_json_shape_for_several_images():
    lion, cheetah = gradio.media.get_image("lion.jpg"), gradio.media.get_image("cheetah.jpg")
    result = run_cli("classify", lion, cheetah, "--top", "3", "--json")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert [item["image"] for item in output] == [lion, cheetah]
    for item in output:
        predictions = item["predictions"]
        assert len(predictions) == 3
        assert all(set(p) == {"label", "index", "score"} for p in predictions)
        assert [p["score"] for p in predictions] == sorted((p["score"] for p in predictions), reverse=True)
    assert output[0]["predictions"][0]["index"] == 291  # lion


def test_bad_input_exits_non_zero_with_one_line(tmp_path):
    fake = tmp_path / "fake.jpg"
    fake.write_text("not a photo")
    cases = [("classify", str(fake)), ("classify", str(tmp_path / "missing.jpg")),
             ("classify", str(fake), "--model", "no_such_model"), ("classify", str(fake), "--top", "0")]
    with ThreadPoolExecutor(len(cases)) as pool:  # the processes mostly wait for torch to import: side by side
        results = list(pool.map(lambda args: run_cli(*args), cases))
    for args, result in zip(cases, results):
        assert result.returncode == 2, args
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


def one_line_error(capsys, *args: str) -> str:
    """Run the CLI in this process (as `python -m transfer` does) and return its one error line; it must exit 2."""
    status = main(list(args))
    out, err = capsys.readouterr()
    assert status == 2 and out == "", (status, out, err)
    lines = err.strip().splitlines()
    assert lines and lines[-1].startswith("error: ") and "Traceback" not in err, err
    return lines[-1]


def test_bad_out_paths_exit_2_with_one_line_before_any_work(tmp_path, capsys):
    lion = gradio.media.get_image("lion.jpg")
    existing = tmp_path / "existing.txt"
    existing.write_text("keep me")
    for args, message in [
        (("ideal", "--target", "zebra", "--steps", "1", "--out", str(tmp_path)), "is a folder"),
        (("adversarial", lion, "--steps", "1", "--out", str(tmp_path)), "is a folder"),
        (("finetune", "--data", str(tmp_path), "--out", str(existing)), "is an existing file"),
        (("ideal", "--target", "zebra", "--steps", "1", "--out", str(tmp_path / "no" / "x.png")), "does not exist"),
        (("ideal", "--target", "zebra", "--steps", "1", "--out", "/proc/transfer-lab-test.png"), "error: "),
    ]:
        assert message in one_line_error(capsys, *args), args
    assert existing.read_text() == "keep me"


def test_hostile_image_shapes_are_classified_or_refused_in_one_line(tmp_path, capsys):
    shapes = hostile_shapes(tmp_path, large=False)
    assert main(["classify", *map(str, shapes.values()), "--top", "1", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == len(shapes)
    broken = tmp_path / "broken.png"
    broken.write_bytes(shapes["1x8000 PNG"].read_bytes()[:40])
    assert "broken.png" in one_line_error(capsys, "adversarial", str(broken), "--out", str(tmp_path / "x.png"))
