"""Classification speed, measured side by side in one run: the app's path vs plain timm vs ONNX Runtime.

    python -m benchmarks.bench_classify [--model tf_efficientnet_lite0] [--rounds 5] [--requests 50]

Prints the batch-1 forward latency of each path (median over interleaved rounds, so machine noise hits all
alike), their ratios to ONNX Runtime, predict() on a real photo end to end, and the /classify request latency
through gradio_client against the app served on a free localhost port.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gradio.media  # noqa: E402
import numpy as np  # noqa: E402
import transfer  # noqa: E402  (before torch: it sets OMP_WAIT_POLICY before torch loads)
import torch  # noqa: E402
from gradio_client import Client, handle_file  # noqa: E402

from app import build_app, launch  # noqa: E402
from harness.browser import free_port  # noqa: E402


def time_ms(fn, repeats: int) -> float:
    """Median milliseconds of `repeats` calls, after two warm-up calls."""
    fn(), fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def onnx_session(classifier: transfer.Classifier):
    """The classifier exported by transfer.export_onnx (checked there against PyTorch), in ONNX Runtime."""
    import onnxruntime

    path = Path(tempfile.mkdtemp()) / "model.onnx"
    transfer.export_onnx(classifier, path)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return lambda array: session.run(None, {"input": array})


def bench_forward(model: str, rounds: int, repeats: int) -> dict[str, float]:
    classifier = transfer.load_model(model)
    size = classifier.preprocessing.input_size
    inputs = torch.randn(1, 3, size, size)
    eager = classifier.network
    channels_last = copy.deepcopy(eager).to(memory_format=torch.channels_last)
    inputs_cl = inputs.contiguous(memory_format=torch.channels_last)
    run_onnx = onnx_session(classifier)
    array = inputs.numpy()
    with torch.inference_mode():
        reference = eager(inputs)
    assert np.allclose(run_onnx(array)[0], reference.numpy(), atol=1e-3), "ONNX export differs from the model"
    assert torch.allclose(classifier.infer(inputs), reference, atol=1e-3), "app path differs from the model"

    paths = {
        "app path (Classifier.infer)": lambda: classifier.infer(inputs),
        "timm eager": lambda: eager(inputs),
        "timm eager, channels_last": lambda: channels_last(inputs_cl),
        "ONNX Runtime": lambda: run_onnx(array),
    }
    results: dict[str, list[float]] = {name: [] for name in paths}
    with torch.inference_mode():
        for _ in range(rounds):
            for name, fn in paths.items():
                results[name].append(time_ms(fn, repeats))
    return {name: statistics.median(values) for name, values in results.items()}


def bench_requests(count: int) -> list[float]:
    """Milliseconds per /classify request through gradio_client, app served in this process."""
    demo = build_app()
    _, url, _ = launch(demo, server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        client = Client(url, verbose=False)
        photo = handle_file(gradio.media.get_image("cheetah.jpg"))
        client.predict(photo, transfer.DEFAULT_MODEL, api_name="/classify")
        latencies = []
        for _ in range(count):
            start = time.perf_counter()
            client.predict(photo, transfer.DEFAULT_MODEL, api_name="/classify")
            latencies.append((time.perf_counter() - start) * 1000)
        return latencies
    finally:
        demo.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=transfer.DEFAULT_MODEL)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, model {args.model}, batch 1")
    forward = bench_forward(args.model, args.rounds, args.repeats)
    reference = forward["ONNX Runtime"]
    print(f"\n{'forward path':32} {'ms':>8} {'x ONNX Runtime':>15}")
    for name, ms in forward.items():
        print(f"{name:32} {ms:8.1f} {ms / reference:15.2f}")

    photo = gradio.media.get_image("cheetah.jpg")
    end_to_end = time_ms(lambda: transfer.predict(photo, args.model), args.repeats)
    print(f"\npredict() on a 502x343 JPEG (decode + preprocess + forward): {end_to_end:.1f} ms")

    if args.requests:
        latencies = sorted(bench_requests(args.requests))
        p50, p95 = np.percentile(latencies, 50), np.percentile(latencies, 95)
        print(f"/classify via gradio_client, {len(latencies)} requests: p50 {p50:.0f} ms, p95 {p95:.0f} ms")


if __name__ == "__main__":
    main()
