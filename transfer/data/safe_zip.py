"""Zips of class folders, extracted safely: paths, links, sizes and compression ratios checked before writing."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from ..errors import InputError, Message
from .splits import DatasetTooLarge, Deadline, is_image_name

#: Zip limits: number of entries, and the largest compression ratio of any entry and of the whole archive
#: (unpacked bytes over the file's size).
MAX_ZIP_ENTRIES = 50_000
MAX_ZIP_RATIO = 200


def extract_zip(archive: Path, target: Path, max_bytes: int, deadline: Deadline) -> Path:
    """Safely extract a zip of class folders into the folder `target` if it unpacks to at most `max_bytes`; any
    problem is an InputError (the caller removes `target`)."""
    entry = None
    try:
        with zipfile.ZipFile(archive) as zf:
            members = _checked_members(zf, archive.name, archive.stat().st_size, max_bytes)
            root = target.resolve()
            for entry in members:
                deadline.check()
                destination = (root / entry.filename).resolve()
                if not destination.is_relative_to(root):
                    raise InputError("{archive}: entry '{entry}' points outside the archive folder.",
                                     archive=archive.name, entry=entry.filename)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(entry) as source, open(destination, "wb") as sink:
                    _copy_limited(source, sink, entry.file_size, archive.name, entry.filename)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError) as error:
        raise InputError("{name} is not a readable zip file ({reason}).", name=archive.name, reason=error) from None
    except OSError as error:  # a name too long, a file where a folder must go, a full disk, ...
        where = Message("entry '{entry}'", entry=entry.filename[:200]) if entry is not None else Message("the archive")
        raise InputError("{archive}: {where} cannot be extracted ({reason}): use short file names, and no file and "
                         "folder of the same name.", archive=archive.name, where=where,
                         reason=error.strerror or error) from None
    return target


def _checked_members(zf: zipfile.ZipFile, name: str, archive_bytes: int, max_bytes: int) -> list[zipfile.ZipInfo]:
    """The image entries to extract, after checking every entry's path, type, declared size and compression ratio,
    and the whole archive's ratio (entries sharing compressed data unpack to more than the file holds)."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise InputError("{name} has {count} entries; the limit is {limit}.", name=name, count=len(infos),
                         limit=MAX_ZIP_ENTRIES)
    total = 0
    members = []
    for info in infos:
        raw = info.filename.replace("\\", "/")
        path = PurePosixPath(raw)
        if raw.startswith("/") or (path.parts and ":" in path.parts[0]):
            raise InputError("{archive}: entry '{entry}' has an absolute path; zip the class folders only.",
                             archive=name, entry=info.filename)
        if ".." in path.parts:
            raise InputError("{archive}: entry '{entry}' tries to leave the archive folder ('..').", archive=name,
                             entry=info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise InputError("{archive}: entry '{entry}' is a symbolic link; links are not accepted.", archive=name,
                             entry=info.filename)
        if info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise InputError("{archive}: entry '{entry}' is compressed {ratio} times (the limit is {limit}): refused "
                             "as a possible zip bomb.", archive=name, entry=info.filename, ratio=ratio,
                             limit=MAX_ZIP_RATIO)
        total += info.file_size
        if total > max_bytes:
            raise DatasetTooLarge("{name} would unpack to more than {limit} MB, the limit here: use fewer or smaller "
                                  "images (JPEG, not BMP), or give a folder instead.", name=name,
                                  limit=f"{max_bytes / 2**20:.0f}")
        if total > MAX_ZIP_RATIO * archive_bytes:
            raise InputError("{name} unpacks to over {limit} times its own size: refused as a possible zip bomb.",
                             name=name, limit=MAX_ZIP_RATIO)
        if not info.is_dir() and is_image_name(path.name) and "__MACOSX" not in path.parts:
            members.append(info)
    if not members:
        raise InputError("{name} contains no images (JPEG, PNG, WebP, ...): zip a folder with one sub-folder of images "
                         "per class.", name=name)
    return members


def _copy_limited(source, sink, declared: int, archive: str, entry: str, chunk: int = 1 << 20) -> None:
    """Copy at most the declared size; a stream longer than declared is a forged header."""
    written = 0
    while block := source.read(chunk):
        written += len(block)
        if written > declared:
            raise InputError("{archive}: entry '{entry}' is larger than its header says: refused.", archive=archive,
                             entry=entry)
        sink.write(block)
