"""Hub networks that cannot load here are marked in the model menus, decided without the network; choosing one anyway
gives one clear message and keeps the menus that follow the model (issue 21)."""

from __future__ import annotations

import gradio as gr
import pytest
from huggingface_hub import constants as hub_constants

from transfer.models import catalog
from ui import classify, common, synthesis
from ui.i18n import translate

HUB_MODEL = "resnet50.a1_in1k"
HUB_TITLE = catalog.CATALOG[HUB_MODEL].title


@pytest.fixture
def empty_hub_cache(monkeypatch, tmp_path):
    """Offline mode (as tests/conftest.py sets it) with an empty Hugging Face cache; no connection is ever tried."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr(catalog, "reachable", lambda *args: pytest.fail("a menu asked the network"))
    return tmp_path


def labels() -> dict[str, str]:
    return {value: label for label, value in common.model_choices()}


def test_hub_networks_without_cached_weights_are_marked_and_cached_ones_are_not(empty_hub_cache):
    shown = labels()
    assert shown[HUB_MODEL] == f"{HUB_TITLE} (needs internet)"
    assert shown[catalog.DEFAULT_MODEL] == catalog.CATALOG[catalog.DEFAULT_MODEL].title
    assert translate(shown[HUB_MODEL], "de").endswith(" (braucht Internet)")
    snapshot = empty_hub_cache / "models--timm--resnet50.a1_in1k" / "snapshots" / "abc"
    snapshot.mkdir(parents=True)
    (snapshot / "model.safetensors").write_bytes(b"")
    assert labels()[HUB_MODEL] == HUB_TITLE


def test_online_the_hub_is_asked_once_per_process(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    asked = []
    monkeypatch.setattr(catalog, "reachable", lambda host: asked.append(host) or False)
    catalog.hub_reachable.cache_clear()
    try:
        assert labels()[HUB_MODEL].endswith("(needs internet)") and labels()[HUB_MODEL].endswith("(needs internet)")
        assert asked == [catalog.HUB_HOST]
    finally:
        catalog.hub_reachable.cache_clear()


def test_choosing_an_unavailable_network_keeps_the_menus_and_warns_once(empty_hub_cache, monkeypatch):
    warnings = []
    monkeypatch.setattr(gr, "Warning", warnings.append)
    tab = classify.Components(*[object()] * 8)
    update = classify.layers_for(tab, HUB_MODEL)
    assert update == {tab.layer: gr.skip()}
    assert synthesis.target_choices(HUB_MODEL, "zebra") == gr.skip()
    assert warnings == [common.UNAVAILABLE_MODEL.format(model=HUB_TITLE)] * 2
    assert translate(warnings[0], "de").startswith(f"{translate(HUB_TITLE, 'de')} braucht seine Gewichte")
    with pytest.raises(gr.Error, match="needs its weights from the Hugging Face Hub"):
        classify.classify(None, HUB_MODEL)  # the Classify button: the same message, not a download attempt
