"""Checks of values that users and API callers control, and of the network, raising errors that say what to do."""

from __future__ import annotations

import math
import os
import socket
import threading
from pathlib import Path

from .errors import InputError, Message

__all__ = ["check_float", "check_int", "folder_bytes", "reachable"]


def check_int(name: str, value, low: int, high: int) -> int:
    """A whole number in [low, high], or InputError saying which range to use."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError("{name} must be a whole number from {low} to {high}, got {value}.", name=Message(name),
                         low=low, high=high, value=repr(value))
    return value


def check_float(name: str, value, low: float, high: float) -> float:
    """A finite number in [low, high], or InputError saying which range to use."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not low <= value <= high:
        raise InputError("{name} must be a number from {low} up to {high}, got {value}.", name=Message(name),
                         low=f"{low:g}", high=f"{high:g}", value=repr(value))
    return float(value)


def reachable(host: tuple[str, int], timeout: float = 2.0) -> bool:
    """Whether one TCP connection to (name, port) succeeds within `timeout` seconds, DNS lookup included."""
    result: list[bool] = []

    def attempt() -> None:
        try:
            with socket.create_connection(host, timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(result and result[0])


def folder_bytes(folder: Path) -> int:
    """The bytes of every file under `folder` (0 when it does not exist); a link counts as itself, not its target,
    and a file deleted meanwhile as nothing."""
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:  # deleted meanwhile
                pass
    return total
