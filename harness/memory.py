"""The peak resident memory of a process (the app's server) while a block runs."""

from __future__ import annotations

import threading
import time

import psutil

MB = 2**20


class PeakMemory:
    """Samples a process's resident memory (this one's when `pid` is None) every 10 ms in a thread while the block
    runs: .peak is the highest seen and .extra_mb its rise over the memory at the start, in MB."""

    def __init__(self, pid: int | None = None):
        self.process, self.peak, self.running = psutil.Process(pid), 0, True
        self.before = self.process.memory_info().rss
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self) -> None:
        while self.running:
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:  # the process ended
                return
            time.sleep(0.01)

    @property
    def extra_mb(self) -> float:
        return max(0, self.peak - self.before) / MB

    def __enter__(self) -> PeakMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.running = False
        self.thread.join()
