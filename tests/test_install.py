"""The README's install note for CPU-only machines installs the pair that requirements.txt pins."""

from __future__ import annotations

import re

from packaging.requirements import Requirement

from conftest import ROOT

CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def pinned(lines: list[str]) -> dict[str, str]:
    """name -> exact version of the `name==version` requirements among `lines`."""
    requirements = [Requirement(line) for line in lines if re.match(r"^[\w-]+==", line)]
    return {r.name: next(iter(r.specifier)).version for r in requirements}


def test_cpu_note_installs_the_pinned_torch_pair_that_requirements_then_keep():
    readme = (ROOT / "README.md").read_text()
    command = next(line for line in readme.splitlines() if line.startswith("pip install torch=="))
    words = command.split()
    assert words[words.index("--index-url") + 1] == CPU_INDEX
    cpu_pair = pinned(words[2:words.index("--index-url")])
    requirements = pinned((ROOT / "requirements.txt").read_text().splitlines())
    assert set(cpu_pair) == {"torch", "torchvision"}
    assert cpu_pair == {name: requirements[name] for name in cpu_pair}
    for name, version in cpu_pair.items():  # PyTorch's CPU wheels carry a local label: 2.14.1+cpu
        assert Requirement(f"{name}=={requirements[name]}").specifier.contains(f"{version}+cpu")
    assert "pip install -r requirements.txt && python app.py" in readme.split(command)[1].split("```")[0]
