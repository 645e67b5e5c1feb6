"""Model folders in timm's Hub layout (timm alone loads them), earlier folders, ONNX export and Hub upload."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
import timm
import torch
from huggingface_hub import HfApi, RepoUrl
from PIL import Image
from safetensors.torch import save_file

import transfer
from conftest import ROOT
from transfer.models.classifier import Preprocessing
from transfer.cli import main
from transfer.data import DatasetSplits, open_dataset
from transfer.errors import ModelUnavailableError
from transfer.models.export import load_finetuned, save_finetuned
from transfer.train import finetune, run

CLASSES = 6  # a cheap pets-mini model: 6 breeds, 7 training and 3 test photos each


def subset(data: DatasetSplits, classes: int) -> DatasetSplits:
    pick = lambda samples: [s for s in samples if s[1] < classes]  # noqa: E731
    return DatasetSplits(data.classes[:classes], pick(data.train), pick(data.val), pick(data.test), data.kind,
                         data.task, data.root)


pytestmark = pytest.mark.slow  # a model trained on pets-mini (module fixture)

@pytest.fixture(scope="module")
def trained(pets_root, tmp_path_factory):
    """A fine-tuned pets-mini classifier saved as a folder, and every photo of its breeds."""
    data = subset(open_dataset(pets_root), CLASSES)
    result = run(finetune(data))
    folder = save_finetuned(result.classifier, tmp_path_factory.mktemp("models") / "pets", result.metrics())
    photos = sorted(Path(path) for path, _ in data.train + data.val + data.test)
    assert len(photos) == CLASSES * 10
    return result, folder, photos


def cli_json(*args: str) -> object:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*args, "--json"]) == 0
    return json.loads(out.getvalue())


def test_folder_is_a_timm_model_with_the_same_top1_as_the_cli(trained):
    result, folder, photos = trained
    assert {p.name for p in folder.iterdir()} == {"config.json", "model.safetensors", "README.md",
                                                 "transfer_lab.json"}
    photos = photos[::2]  # 5 per breed
    model = timm.create_model(f"local-dir:{folder}", pretrained=True).eval()
    transform = timm.data.create_transform(**timm.data.resolve_data_config({}, model=model))
    with torch.inference_mode():
        logits = model(torch.stack([transform(Image.open(p).convert("RGB")) for p in photos]))
    timm_labels = [model.pretrained_cfg["label_names"][i] for i in logits.argmax(1).tolist()]
    cli = cli_json("classify", *map(str, photos), "--model", str(folder), "--top", "1")
    assert timm_labels == [item["predictions"][0]["label"] for item in cli]
    assert len(set(timm_labels)) == CLASSES  # a real classifier: every breed is predicted somewhere
    card = (folder / "README.md").read_text()
    assert re.search(r"^library_name: timm$", card, re.M) and "- timm/oxford-iiit-pet" in card
    assert f"{result.evaluation.accuracy:.1%}" in card and "method head" in card
    extras = json.loads((folder / "transfer_lab.json").read_text())
    assert extras["format_version"] == 2 and extras["metrics"]["test_accuracy"] == result.evaluation.accuracy


def write_version_1(folder: Path, network: torch.nn.Module, labels: list[str], overrides: dict | None = None) -> Path:
    """A folder as Transfer Lab wrote it before timm's layout: our own config.json beside model.safetensors."""
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in network.state_dict().items()}, str(folder / "model.safetensors"))
    architecture = network.pretrained_cfg["architecture"]
    config = {"format": "transfer-lab/finetuned-classifier", "format_version": 1,
              "architecture": architecture, "backbone": architecture, "labels": labels,
              "preprocessing": {"input_size": 224, "crop_pct": 0.875, "interpolation": "bicubic",
                                "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]},
              "metrics": {"test_accuracy": 0.9}, "training": {"method": "head"}, "created": "2025-01-01T00:00:00Z"}
    (folder / "config.json").write_text(json.dumps({**config, **(overrides or {})}))
    return folder


def assert_same_logits(loaded: transfer.Classifier, original: transfer.Classifier, photos: list[Path]) -> None:
    inputs = torch.cat([original.to_input(transfer.load_image(p)) for p in photos])
    with torch.inference_mode():
        assert torch.allclose(loaded.network.eval()(inputs), original.network(inputs), atol=1e-5)


def test_folders_of_format_version_1_still_load(trained, tmp_path):
    result, _, photos = trained
    folder = write_version_1(tmp_path / "old", result.classifier.network, result.classifier.labels)
    loaded = transfer.load_model(folder)
    assert loaded.labels == result.classifier.labels and loaded.metadata["metrics"] == {"test_accuracy": 0.9}
    assert loaded.preprocessing == Preprocessing(224, 0.875, "bicubic", (0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    assert_same_logits(loaded, result.classifier, photos[:4])
    resaved = save_finetuned(loaded, tmp_path / "resaved")  # an old folder saved again is a timm folder
    assert timm.create_model(f"local-dir:{resaved}", pretrained=True).num_classes == CLASSES


@pytest.mark.parametrize("change, message", [
    ({"format_version": 7}, "format version 7"),
    ({"labels": ["only one"]}, "2 to 1000 class names"),
    ({"labels": "cat,dog"}, "2 to 1000 class names"),
    ({"architecture": "no_such_net"}, "unknown architecture"),
    ({"preprocessing": {"input_size": 5000}}, "preprocessing"),
])
def test_invalid_version_1_folders_are_refused(tmp_path, change, message):
    network = timm.create_model("tf_efficientnet_lite0", num_classes=2)
    folder = write_version_1(tmp_path / "bad", network, ["cat", "dog"], change)
    with pytest.raises(ModelUnavailableError, match=message):
        load_finetuned(folder)


def test_foreign_and_broken_folders_get_clear_errors(trained, tmp_path):
    _, folder, _ = trained
    plain_timm = tmp_path / "plain-timm"
    timm.models.save_for_hf(timm.create_model("tf_efficientnet_lite0", num_classes=2), plain_timm,
                            safe_serialization=True)
    cases = {"empty": "has no config.json", "plain-timm": "has no transfer_lab.json"}
    (tmp_path / "empty").mkdir()
    for name, edit in [("no-weights", lambda f: (f / "model.safetensors").unlink()),
                       ("pickle-only", lambda f: (f / "model.safetensors").rename(f / "pytorch_model.bin")),
                       ("labels", lambda f: patch_json(f / "config.json", label_names=["a"] * 1001)),
                       ("channels", lambda f: patch_json(f / "config.json", model_args={"in_chans": 1})),
                       ("arguments", lambda f: patch_json(f / "config.json", model_args={"pretrained": True})),
                       ("future", lambda f: patch_json(f / "transfer_lab.json", format_version=3)),
                       ("size", lambda f: patch_json(f / "config.json", pretrained_cfg={"input_size": [3, 9, 9]}))]:
        shutil.copytree(folder, tmp_path / name)
        edit(tmp_path / name)
    cases.update({"no-weights": "has no model.safetensors", "pickle-only": "has no model.safetensors",
                  "labels": "2 to 1000 class names", "channels": "do not fit 6 RGB classes",
                  "arguments": "timm cannot build the model",
                  "future": "version 3", "size": "preprocessing"})
    for name, message in cases.items():
        with pytest.raises(ModelUnavailableError, match=message):
            load_finetuned(tmp_path / name)


def patch_json(path: Path, **values) -> None:
    path.write_text(json.dumps({**json.loads(path.read_text()), **values}))


@pytest.fixture(scope="module")
def onnx_export(trained, tmp_path_factory):
    _, folder, photos = trained
    out = tmp_path_factory.mktemp("onnx") / "pets.onnx"
    return cli_json("export", str(folder), "--onnx", str(out), "--images", *map(str, photos[::6]))


def test_onnx_export_matches_pytorch_for_any_batch_size(trained, onnx_export):
    result, _, photos = trained
    print(f"ONNX export: max_abs_diff {onnx_export['max_abs_diff']:.2g}, top1_agreement "
          f"{onnx_export['top1_agreement']}, {onnx_export['size_bytes'] / 1e6:.1f} MB, {onnx_export['seconds']} s")
    assert onnx_export["images"] == len(photos[::6]) and onnx_export["top1_agreement"] == 1.0
    assert 0 <= onnx_export["max_abs_diff"] < 1e-3
    size = result.classifier.preprocessing.input_size
    assert onnx_export["input"]["shape"] == ["batch", 3, size, size]
    assert onnx_export["input"]["preprocessing"] == result.classifier.preprocessing.to_dict()
    session = onnxruntime.InferenceSession(onnx_export["out"], providers=["CPUExecutionProvider"])
    metadata = session.get_modelmeta().custom_metadata_map
    assert json.loads(metadata["labels"]) == result.classifier.labels
    transform = timm.data.create_transform(**result.classifier.preprocessing.to_pretrained_cfg())
    for batch in (photos[1:2], photos[1::4]):  # other photos than the check's, one and 15 at a time
        inputs = torch.stack([transform(Image.open(p).convert("RGB")) for p in batch])
        with torch.inference_mode():
            expected = result.classifier.network(inputs).numpy()
        got = session.run(["logits"], {"input": inputs.numpy()})[0]
        assert got.shape == expected.shape and np.abs(got - expected).max() < 1e-3


def docs_onnx_snippet() -> str:
    """The 'classify a photo with ONNX Runtime alone' code block of docs/reference.md (linked from the README)."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "reference.md").read_text(), re.S)
    return next(block for block in blocks if "onnxruntime.InferenceSession" in block)


def test_docs_snippet_classifies_with_onnxruntime_alone(trained, onnx_export):
    """Its hand-written resize and crop give the class PyTorch gives on timm's transform, photo by photo."""
    result, _, photos = trained
    snippet = docs_onnx_snippet()
    assert "import torch" not in snippet and "import transfer" not in snippet and "timm" not in snippet
    network = result.classifier.network
    transform = timm.data.create_transform(**result.classifier.preprocessing.to_pretrained_cfg())
    for photo in photos[2::7]:
        with torch.inference_mode():
            expected = result.classifier.labels[network(transform(Image.open(photo).convert("RGB"))[None]).argmax()]
        code = snippet.replace('"pets.onnx"', repr(onnx_export["out"])).replace('"cat.jpg"', repr(str(photo)))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(code, {})
        assert out.getvalue().strip() == expected


def test_export_refuses_bad_paths_and_too_few_images(trained, tmp_path, capsys):
    _, folder, photos = trained
    assert main(["export", str(folder), "--onnx", str(tmp_path / "pets.txt")]) == 2
    assert main(["export", str(folder), "--onnx", str(tmp_path / "missing" / "pets.onnx")]) == 2
    assert main(["export", str(folder), "--onnx", str(tmp_path / "pets.onnx"), "--images", str(photos[0])]) == 2
    errors = capsys.readouterr().err
    assert "must end in .onnx" in errors and "does not exist" in errors and "2 to 32 images to check" in errors
    assert not list(tmp_path.iterdir())


@pytest.fixture
def hub_calls(monkeypatch):
    """Every call this test makes to the Hub's HfApi, recorded instead of sent."""
    calls = []
    for name in ("create_repo", "file_exists", "upload_folder", "create_commit"):
        monkeypatch.setattr(HfApi, name, lambda self, *a, _name=name, **k: calls.append((_name, a, k)))
    return calls


def test_push_offline_fails_at_once_and_uploads_nothing(trained, monkeypatch, capsys, hub_calls):
    _, folder, _ = trained
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_token")
    assert main(["push", str(folder), "--repo", "someone/pets"]) == 2  # HF_HUB_OFFLINE=1 (conftest)
    assert "HF_HUB_OFFLINE is set" in capsys.readouterr().err
    monkeypatch.delenv("HF_HUB_OFFLINE")
    assert main(["push", str(folder), "--repo", "someone/pets"]) == 2  # this machine cannot reach the Hub
    assert "huggingface.co cannot be reached" in capsys.readouterr().err
    assert main(["push", str(folder), "--repo", "not a repo"]) == 2
    assert "USER/NAME" in capsys.readouterr().err
    assert hub_calls == []


def test_push_uploads_a_folder_that_loads_again(trained, monkeypatch, tmp_path):
    """The upload itself with the Hub replaced by a recorder: what would reach the Hub is a complete model folder."""
    result, folder, photos = trained
    uploaded = tmp_path / "hub"
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_token")
    monkeypatch.setattr("transfer.models.hub.reachable", lambda host: True)
    monkeypatch.setattr(HfApi, "create_repo", lambda self, repo_id, **k: RepoUrl(f"https://huggingface.co/{repo_id}"))
    monkeypatch.setattr(HfApi, "file_exists", lambda self, **k: False)
    monkeypatch.setattr(HfApi, "upload_folder", lambda self, folder_path, **k: shutil.copytree(folder_path, uploaded))

    def commit(self, repo_id, operations, **kwargs):
        for operation in operations:
            (uploaded / operation.path_in_repo).write_bytes(operation.path_or_fileobj)
        return type("Commit", (), {"commit_url": f"https://huggingface.co/{repo_id}/commit/1"})

    monkeypatch.setattr(HfApi, "create_commit", commit)
    assert cli_json("push", str(folder), "--repo", "someone/pets") == {
        "repo": "someone/pets", "commit_url": "https://huggingface.co/someone/pets/commit/1"}
    assert {p.name for p in uploaded.iterdir()} == {p.name for p in folder.iterdir()}
    assert "# Model card for pets" in (uploaded / "README.md").read_text()
    loaded = load_finetuned(uploaded)
    assert loaded.labels == result.classifier.labels
    assert_same_logits(loaded, result.classifier, photos[:4])
