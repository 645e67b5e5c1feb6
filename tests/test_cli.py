"""`python -m transfer` as a user runs it: JSON shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import gradio.media

from conftest import ROOT


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
    for args in [("classify", str(fake)), ("classify", str(tmp_path / "missing.jpg")),
                 ("classify", str(fake), "--model", "no_such_model"), ("classify", str(fake), "--top", "0")]:
        result = run_cli(*args)
        assert result.returncode == 2, args
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
