"""Make transfer/assets/natural_spectrum.safetensors, the magnitude spectrum of natural photos that ideal images keep.

    python -m scripts.make_spectrum [--pets ../shared/data/pets-mini] [--per-breed 3]

Photos: the first `--per-breed` images of each of the 37 breeds in Oxford-IIIT Pet's annotations/trainval.txt
(111 photos by default). The file's metadata lists them, so tests can recompute the spectrum and compare.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from transfer.data import PETS_FOLDER, PETS_MINI
from transfer.synthesis.natural import SPECTRUM_FILE, SPECTRUM_SIZE, compute_spectrum, save_spectrum

SOURCE = ("Oxford-IIIT Pet (O. M. Parkhi, A. Vedaldi, A. Zisserman, C. V. Jawahar, 'Cats and Dogs', CVPR 2012), "
          "https://www.robots.ox.ac.uk/~vgg/data/pets/")


def spectrum_photos(pets_root: Path, per_breed: int) -> list[str]:
    """The first `per_breed` trainval photos of every breed, as paths relative to `pets_root`."""
    chosen: dict[str, list[str]] = {}
    for line in (pets_root / PETS_FOLDER / "annotations" / "trainval.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name = line.split()[0]
            breed = chosen.setdefault(name.rsplit("_", 1)[0], [])
            if len(breed) < per_breed:
                breed.append(f"{PETS_FOLDER}/images/{name}.jpg")
    return [photo for photos in chosen.values() for photo in photos]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pets", type=Path, default=PETS_MINI, help="Oxford-IIIT Pet (or pets-mini) root")
    parser.add_argument("--per-breed", type=int, default=3, help="photos per breed (default 3)")
    parser.add_argument("--out", type=Path, default=SPECTRUM_FILE)
    args = parser.parse_args()
    photos = spectrum_photos(args.pets, args.per_breed)
    magnitude = compute_spectrum([args.pets / photo for photo in photos])
    save_spectrum(magnitude, args.out, {"photos": photos, "source": SOURCE, "licence": "CC BY-SA 4.0",
                                        "size": SPECTRUM_SIZE, "script": "scripts/make_spectrum.py"})
    print(f"{args.out}: spectrum of {len(photos)} photos, {args.out.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
