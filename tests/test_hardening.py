"""Hostile and odd input through every entry point: a specific message, no crash, and the next request works."""

from __future__ import annotations

import math
import os
import threading

import gradio as gr
import gradio.media
import pytest
from gradio_client import Client, handle_file

import transfer
from harness.corpus import bad_images, bad_zips, odd_images
from transfer import InputError, ModelUnavailableError, TransferError
from conftest import load
from ui.finetune import ZIP

LION = gradio.media.get_image("lion.jpg")
MODEL = transfer.DEFAULT_MODEL
IMAGE_MESSAGES = {
    "empty.jpg": "empty",
    "truncated.jpg": "damaged or truncated",
    "random.jpg": "not an image",
    "bomb.png": "megapixels",
    "image.svg": "not an image",
    "page.jpg": "not an image",
}
ZIP_MESSAGES = {
    "zip_slip.zip": "leave the archive",
    "absolute.zip": "absolute path",
    "bomb.zip": "zip bomb",
    "nested.zip": "no images",
    "empty.zip": "no images",
    "one_class.zip": "at least 2 classes",
    "no_images.zip": "no images",
    "non_utf8.zip": "fewer than 3 images",
    "symlink.zip": "symbolic link",
    "not_a_zip.zip": "not a zip file",
    "flat_bmps.zip": "compressed \\d+ times",
    "file_and_folder.zip": "cannot be extracted",
    "long_name.zip": "cannot be extracted",
}
# Parameters an API caller can send past the sliders, with the words the refusal must contain.
IDEAL_BAD = [
    ({"steps": 0}, "steps"), ({"steps": -5}, "steps"), ({"steps": 10**9}, "steps"),
    ({"tv_weight": math.nan}, "tv_weight"), ({"tv_weight": math.inf}, "tv_weight"), ({"tv_weight": -1}, "tv_weight"),
    ({"lr": 0}, "learning rate"), ({"target": "no such animal"}, "Unknown target"),
    ({"target": "x" * 100_000}, "Unknown target"), ({"target": 5000}, "index"),
    ({"model": "../../etc/passwd"}, "No fine-tuned model folder"), ({"model": "nonsense_net"}, "Unknown model"),
]
ADVERSARIAL_BAD = [
    ({"steps": 0}, "steps"), ({"steps": 10**9}, "steps"), ({"eps": 0}, "eps"), ({"eps": 1000}, "eps"),
    ({"eps": math.nan}, "eps"), ({"tv_weight": math.inf}, "tv_weight"), ({"target": "unicorn"}, "Unknown target"),
    ({"model": "/etc"}, "not a Transfer Lab model folder"),
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    return {"bad": bad_images(root / "bad"), "odd": odd_images(root / "odd"), "zips": bad_zips(root / "zips")}


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


# --- the library ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", IMAGE_MESSAGES)
def test_bad_images_are_refused_by_every_image_function(corpus, name):
    path = corpus["bad"][name]
    for call in (lambda: transfer.predict(path), lambda: transfer.gradcam(path), lambda: transfer.feature_maps(path),
                 lambda: transfer.adversarial_example(path, steps=1)):
        with pytest.raises(InputError, match=IMAGE_MESSAGES[name]):
            call()


def test_odd_but_valid_images_are_classified(corpus):
    results = transfer.predict_batch(list(corpus["odd"].values()), top_k=1)
    assert len(results) == len(corpus["odd"]) and all(0 < r[0].score <= 1 for r in results)


@pytest.mark.parametrize("name", ZIP_MESSAGES)
def test_bad_dataset_zips_are_refused_and_write_nothing_outside(corpus, name, tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    outside = {tmp_path / "escaped.jpg", tmp_path.parent / "escaped.jpg", "/tmp/transfer_lab_absolute.jpg"}
    with pytest.raises(InputError, match=ZIP_MESSAGES[name]):
        transfer.open_dataset(corpus["zips"][name], workdir=workdir)
    assert not any(os.path.exists(path) for path in outside)
    assert not any(workdir.iterdir()), "a refused zip leaves nothing behind"


def test_a_class_folder_without_images_is_ignored_with_a_note(tmp_path):
    for name in ("cat", "dog"):
        (tmp_path / name).mkdir()
        for i in range(3):
            transfer.load_image(LION).resize((32 + i, 40 if name == "dog" else 32)).save(tmp_path / name / f"{i}.jpg")
    (tmp_path / "bird").mkdir()
    data = transfer.open_dataset(tmp_path)
    assert data.classes == ["cat", "dog"] and "bird" in str(data.notes[0])


@pytest.mark.parametrize("change, message", IDEAL_BAD)
def test_ideal_parameters_are_validated(change, message):
    arguments = {"target": "tabby cat", "steps": 1, "tv_weight": 0.5, "lr": 0.05, "model": MODEL} | change
    with pytest.raises(TransferError, match=message):
        transfer.ideal_image(arguments.pop("target"), arguments.pop("model"), **arguments)


@pytest.mark.parametrize("change, message", ADVERSARIAL_BAD)
def test_adversarial_parameters_are_validated(change, message):
    arguments = {"target": "tabby cat", "steps": 1, "eps": 2.0, "tv_weight": 0.0, "model": MODEL} | change
    with pytest.raises(TransferError, match=message):
        transfer.adversarial_example(LION, arguments.pop("target"), arguments.pop("model"), **arguments)


def test_model_names_that_are_paths_or_junk_are_refused():
    for name in ("../../etc/passwd", "/etc", "x" * 10_000, "resnet50; rm -rf /", ""):
        with pytest.raises((InputError, ModelUnavailableError)):
            transfer.load_model(name)


# --- the app's handlers, as the browser calls them -----------------------------------------------------------------

@pytest.mark.parametrize("name", ["zip_slip.zip", "bomb.zip", "one_class.zip", "symlink.zip", "file_and_folder.zip"])
def test_fine_tune_upload_shows_the_zip_problem(corpus, name, wizard):
    with pytest.raises(gr.Error, match=ZIP_MESSAGES[name]) as error:
        load(wizard, ZIP, str(corpus["zips"][name]))
    assert "Traceback" not in str(error.value)


@pytest.mark.parametrize("per_class", [math.nan, "lots", -3])
def test_fine_tune_bad_numbers_are_refused(corpus, per_class, wizard):
    with pytest.raises(gr.Error, match="whole number|at least 2"):
        load(wizard, ZIP, str(corpus["zips"]["one_class.zip"]), per_class=per_class)


# --- the running app over its API ----------------------------------------------------------------------------------

def test_api_refuses_bad_images_clearly_and_keeps_serving(client, corpus):
    for name, message in IMAGE_MESSAGES.items():
        photo = handle_file(str(corpus["bad"][name]))
        for endpoint, arguments in (("/classify", (photo, MODEL)), ("/explain", (photo, MODEL, "blocks.0")),
                                    ("/adversarial", (photo, "tabby, tabby cat", 1, 0, 2, 0.5, MODEL, 0))):
            with pytest.raises(Exception, match=message) as error:
                client.predict(*arguments, api_name=endpoint)
            assert "Traceback" not in str(error.value)
    assert client.predict(handle_file(LION), MODEL, api_name="/classify")["label"].startswith("lion")


def test_api_classifies_odd_but_valid_images(client, corpus):
    for name, path in corpus["odd"].items():
        result = client.predict(handle_file(str(path)), MODEL, api_name="/classify")
        assert len(result["confidences"]) == 5, name


def test_api_refuses_bad_parameters(client):
    ideal_defaults = ["Siamese cat, Siamese", "robust", 2, 0.5, 0.05, 0, MODEL]
    # Gradio's sliders check their own range first ("Value 0 is less than minimum value 1."); the library the rest.
    for index, value, message in [(2, 0, "minimum value 1"), (2, 10**9, "maximum value"), (3, -1, "minimum value 0"),
                                  (0, "no such animal", "Unknown target"), (6, "../../etc/passwd", "Unknown model"),
                                  (6, "x" * 5000, "Unknown model"), (1, "dreamy", "not in the list of choices")]:
        arguments = list(ideal_defaults)
        arguments[index] = value
        with pytest.raises(Exception, match=message):
            client.predict(*arguments, api_name="/ideal")
    adversarial_defaults = [handle_file(LION), "tabby, tabby cat", 2, 0, 2, 0.5, MODEL]
    # This endpoint takes its upload undecoded (preprocess=False), so the library checks every value itself.
    for index, value, message in [(4, 0, "eps must be"), (4, 999, "eps must be"), (2, -1, "steps must be"),
                                  (1, "unicorn", "Unknown target")]:
        arguments = list(adversarial_defaults)
        arguments[index] = value
        with pytest.raises(Exception, match=message):
            client.predict(*arguments, api_name="/adversarial")
    assert client.predict(handle_file(LION), MODEL, api_name="/classify")["label"].startswith("lion")


def test_another_sessions_model_folder_cannot_be_used(client, tmp_path):
    """A real fine-tuned folder on the server is still refused: only the session that trained it may use it."""
    classifier = transfer.load_model(MODEL)
    folder = transfer.save_finetuned(classifier, tmp_path / "someone-elses-model")
    assert transfer.load_model(folder).num_classes == 1000  # the library itself can load it
    for name in (str(folder), "/etc", "../../etc/passwd"):
        with pytest.raises(Exception, match="Unknown model"):
            client.predict(handle_file(LION), name, api_name="/classify")


def test_concurrent_clients_all_succeed(app_url):
    results, errors = [], []

    def user() -> None:
        client = Client(app_url, verbose=False)
        for _ in range(3):
            try:
                results.append(client.predict(handle_file(LION), MODEL, api_name="/classify")["label"])
            except Exception as error:  # collected: the assertion below reports them
                errors.append(repr(error))

    threads = [threading.Thread(target=user) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == [] and len(results) == 15 and all(label.startswith("lion") for label in results)

