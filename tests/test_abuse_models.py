"""The model box driven as an attacker would, over raw HTTP: on a public deployment only the catalog's models, and
one answer for every name the app does not offer, whether or not a folder of that name exists on the server."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import gradio.media
import pytest
from gradio.context import LocalContext

from harness import raw_http
from transfer import DEFAULT_MODEL

LION = gradio.media.get_image("lion.jpg")
APP_FOLDERS = ("tests", "ui", "transfer")  # folders of the app, beside the server's working directory
MISSING = ("nonexistent_dir", "no_such_model")
NOT_OFFERED = "Unknown model: choose one from the list"  # ui.common.UNKNOWN_MODEL
CATALOG_ONLY = "This app offers only the models in its list"  # ui.common.CATALOG_ONLY


def classify(app_url: str, model: str) -> tuple[bool, object]:
    photo = {"path": raw_http.upload(app_url, LION), "meta": raw_http.FILE_META}
    return raw_http.call(app_url, "classify", [photo, model])


def test_a_folder_of_the_app_and_a_missing_name_get_the_same_answer(app_url):
    assert all(Path(folder).is_dir() for folder in APP_FOLDERS), "run the tests from the project's folder"
    answers = {name: classify(app_url, name) for name in APP_FOLDERS + MISSING}
    assert set(answers.values()) == {(False, answers["nonexistent_dir"][1])}, answers
    assert NOT_OFFERED in answers["tests"][1]


def test_a_public_deployment_offers_only_its_catalog(app_url, monkeypatch):
    """On a Space a timm name outside the catalog is refused before anything loads, with the same answer as an app
    folder or a missing name; the catalog's models still work."""
    monkeypatch.setenv("SPACE_ID", "someone/transfer-lab")  # a Hugging Face Space
    monkeypatch.delenv("TRANSFER_ANY_MODEL", raising=False)
    answers = {name: classify(app_url, name)
               for name in ("resnet18.a1_in1k", "eva_giant_patch14_224.clip_ft_in1k") + APP_FOLDERS + MISSING}
    assert set(answers.values()) == {(False, answers["resnet18.a1_in1k"][1])}, answers
    assert CATALOG_ONLY in answers["resnet18.a1_in1k"][1]
    ok, scores = classify(app_url, DEFAULT_MODEL)
    assert ok and scores[0]["label"] == "lion, king of beasts, Panthera leo"


def test_any_model_variable_opens_a_public_deployment_to_timm_names_within_the_size_limit(app_url, monkeypatch):
    monkeypatch.setenv("SPACE_ID", "someone/transfer-lab")
    monkeypatch.setenv("TRANSFER_ANY_MODEL", "1")
    ok, message = classify(app_url, "eva_giant_patch14_224.clip_ft_in1k")
    assert not ok and "has 1013 million parameters, more than the 150 million allowed here" in message
    ok, message = classify(app_url, "tests")
    assert not ok and NOT_OFFERED in message


@pytest.mark.parametrize("host, share, headers, public", [
    ("127.0.0.1", False, {}, False), ("localhost", False, {}, False), ("::1", False, {"accept-language": "de"}, False),
    ("0.0.0.0", False, {}, True), ("192.168.1.20", False, {}, True), ("myhost.example", False, {}, True),
    (None, False, {}, True), ("127.0.0.1", True, {}, True), ("127.0.0.1", False, {"x-forwarded-for": "1.2.3.4"}, True),
])
def test_public_deployment_is_a_share_link_a_host_other_than_loopback_or_a_proxy(monkeypatch, host, share, headers,
                                                                                   public):
    from ui.common import public_deployment

    monkeypatch.delenv("SPACE_ID", raising=False)
    assert not public_deployment()  # outside a served event: local use
    blocks = LocalContext.blocks.set(SimpleNamespace(server_name=host, share=share))
    request = LocalContext.request.set(gr.Request(headers=headers))
    try:
        assert public_deployment() is public
    finally:
        LocalContext.request.reset(request)
        LocalContext.blocks.reset(blocks)
