"""Names a visitor chose (a zip's class folders) are shown as text on the page, never as HTML (security round 3)."""

from __future__ import annotations

import re
import zipfile

from playwright.sync_api import expect

HOSTILE = "<img src=x onerror=alert(1)>"  # a class folder's name: a folder name may hold anything but a slash


def test_a_class_folder_named_with_html_is_shown_as_text(page, pets_images, tmp_path):
    archive = tmp_path / "classes.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for n, (path, _, is_cat) in enumerate([row for row in pets_images if row[2]][:4]
                                              + [row for row in pets_images if not row[2]][:4]):
            zipped.write(path, f"{HOSTILE if is_cat else 'dogs'}/{n}.jpg")
    alerts = []
    page.on("dialog", lambda dialog: alerts.append(dialog.message) or dialog.dismiss())
    page.get_by_role("tab", name="Fine-tune").click()
    page.get_by_role("radio", name=re.compile("A .zip of class folders")).check()
    page.locator("#finetune-zip input[type=file]").set_input_files(str(archive))
    page.get_by_role("button", name="Check the data").click()
    counts = page.locator("#finetune-counts")
    expect(counts.get_by_role("gridcell", name=HOSTILE)).to_be_visible()  # the name itself, as text
    expect(page.locator("#finetune-samples")).to_contain_text(HOSTILE)  # the sample's caption
    assert page.locator("img[src='x']").count() == 0 and alerts == []
