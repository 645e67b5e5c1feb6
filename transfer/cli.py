"""Command line: `python -m transfer COMMAND ...` (run with --help for the list)."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path

from . import train as train_lib
from .data import DEFAULT_TASK, PETS_DOWNLOAD_MB, TASKS, open_dataset
from .errors import InputError, TransferError
from .models import (DEFAULT_FINETUNE_MODEL, DEFAULT_MODEL, export_onnx, int8_path, list_models, load_model,
                     push_to_hub, quantize_onnx)
from .predict import DEFAULT_TOP_K, predict
from .progress import TrainingProgress
from .synthesis import adversarial as adversarial_lib, ideal as ideal_lib
from .synthesis.adversarial import DEFAULT_TARGET, adversarial_example, default_lr
from .synthesis.ideal import DEFAULT_MODE, MODES, ideal_image
from .train import DEFAULT_METHOD, METHODS, EpochMetrics, TrainConfig, finetune, run
from .train.distributed import primary_first, process_group, world


def cmd_models(args: argparse.Namespace) -> None:
    entries = [{"name": e.name, "title": e.title, "offline": e.offline} for e in list_models()]
    if args.json:
        print(json.dumps(entries))
        return
    for entry in entries:
        where = "offline" if entry["offline"] else "needs internet (Hugging Face Hub)"
        print(f"{entry['name']:32} {entry['title']:42} {where}")
    print("\nAny other pretrained timm model name works too when online, e.g. --model resnet18.a1_in1k")


def cmd_classify(args: argparse.Namespace) -> None:
    model = load_model(args.model)
    results = [
        {"image": path, "predictions": [p.to_dict() for p in predict(path, model, min(args.top, model.num_classes))]}
        for path in args.images
    ]
    if args.json:
        print(json.dumps(results))
        return
    for result in results:
        print(result["image"])
        for p in result["predictions"]:
            print(f"  {p['score']:7.2%}  {p['label']}  (#{p['index']})")


@process_group()  # under torchrun: every rank trains, rank 0 alone prints and writes (docs/scale.md)
def cmd_finetune(args: argparse.Namespace) -> None:
    def log(text: str) -> None:
        if not args.json and world().primary:
            print(text, flush=True)

    if args.download:
        log(f"Downloading Oxford-IIIT Pet (about {PETS_DOWNLOAD_MB} MB) into {args.data} ...")
    out = _output_path(args.out, folder=True)
    with primary_first():  # a download or a Hub model is fetched once per machine
        data = open_dataset(args.data, args.task, args.per_class, seed=args.seed, download=args.download)
        load_model(args.model)
    summary = data.summary()
    log(f"{summary['kind']}: {summary['classes']} classes, {summary['train']} train / {summary['val']} validation / "
        f"{summary['test']} test images")
    config = TrainConfig(method=args.method, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                         augment=not args.no_augment, seed=args.seed, l2=args.l2)

    def show(event) -> None:
        if isinstance(event, EpochMetrics):
            step = f"L2 {event.l2:7.0e} {event.epoch}/{event.epochs}" if event.l2 is not None else \
                f"epoch {event.epoch:3}/{event.epochs}"
            log(f"{step}  train loss {event.train_loss:.3f} acc {event.train_accuracy:.1%}"
                f"  val loss {event.val_loss:.3f} acc {event.val_accuracy:.1%}{'  *best' if event.best else ''}")
        elif isinstance(event, TrainingProgress) and event.stage == "features" and event.done == event.total:
            log(f"features of {event.total} images extracted")

    result = run(finetune(data, config, args.model), show)
    if result is None:
        raise TransferError("Training stopped before the first epoch finished: nothing to save.")
    if not world().primary:
        return
    saved = result.save(out, archive=args.zip)
    folder = saved.folder
    report = {**result.metrics(), "model_dir": str(folder), "data": summary,
              **({"archive": str(saved.archive)} if saved.archive else {})}
    if args.json:
        print(json.dumps(report))
        return
    log(f"test accuracy {result.evaluation.accuracy:.1%} on {summary['test']} images in {result.seconds:.1f} s; "
        f"model saved to {folder}")
    if config.method != "head":
        verdict = "beat" if result.beat_head else "did not beat"
        log(f"fine-tuning {verdict} the last layer alone ({result.head_accuracy:.1%}) on these test images")
    log(f"try it: python -m transfer classify IMAGE --model {folder}")


def cmd_export(args: argparse.Namespace) -> None:

    if args.int8 and not args.images:
        raise InputError("--int8 needs --images: 2 to 32 of the model's training photos to calibrate the int8 file on.")
    result = export_onnx(args.model, args.onnx, args.images)
    int8 = quantize_onnx(result.out, int8_path(result.out), args.images) if args.int8 else None
    if args.json:
        print(json.dumps(result.to_dict() | ({"int8": int8.to_dict()} if int8 else {})))
        return
    print(f"wrote {result.out} ({result.size_bytes / 1e6:.1f} MB) in {result.seconds:.1f} s; ONNX Runtime vs PyTorch "
          f"on {result.images} images: largest logit difference {result.max_abs_diff:.2g}, "
          f"top-1 agreement {result.top1_agreement:.0%}")
    print(f"input '{result.input['name']}': float32 {result.input['shape']}; {result.input['recipe']}")
    if int8:
        print(f"wrote {int8.out} ({int8.size_bytes / 1e6:.1f} MB, {int8.smaller:.1f}x smaller), calibrated on "
              f"{int8.calibration_images} images; one image takes {int8.latency_ms:.1f} ms "
              f"(float: {int8.float_latency_ms:.1f} ms)")


def cmd_push(args: argparse.Namespace) -> None:

    url = push_to_hub(args.folder, args.repo, private=args.private)
    print(json.dumps({"repo": args.repo, "commit_url": url}) if args.json else f"uploaded to {url}")


def _progress_printer(every: int) -> Callable:
    """Print every `every`-th OptimisationStep to stderr, so stdout stays clean for --json."""
    def show(progress) -> None:
        if progress.step % every == 0 or progress.step == progress.steps:
            print(f"step {progress.step:4}/{progress.steps}  target probability {progress.probability:7.2%}",
                  file=sys.stderr, flush=True)
    return show


def _output_path(out: str, folder: bool = False) -> Path:
    """--out checked before any work: not a folder where a file goes (nor a file for a folder), in a writable place."""
    path = Path(out).expanduser()
    if folder and path.exists() and not path.is_dir():
        raise InputError("--out {path} is an existing file: give a folder to save the model in.", path=out)
    if not folder and path.is_dir():
        raise InputError("--out {path} is a folder: give a file name, e.g. {example}.", path=out,
                         example=path / "image.png")
    parent = next((p for p in [path, *path.parents] if p.exists()), Path.cwd()) if folder else path.parent
    if not parent.is_dir():
        raise InputError("Folder {folder} does not exist: create it or choose another --out path.", folder=parent)
    if not os.access(parent, os.W_OK):
        raise InputError("Cannot write to {folder}: choose another --out path.", folder=parent)
    return path


def cmd_ideal(args: argparse.Namespace) -> None:
    out = _output_path(args.out)
    result = ideal_image(args.target, args.model, steps=args.steps, tv_weight=args.tv_weight, lr=args.lr,
                         size=args.size, seed=args.seed, mode=args.mode, on_progress=_progress_printer(10))
    result.image.save(out, format="PNG")
    report = {"target": result.target.label, "target_index": result.target.index,
              "probability": result.probability, "seconds": round(result.seconds, 3), "out": str(out)}
    if args.json:
        print(json.dumps(report))
        return
    print(f"{result.mode} ideal image of '{result.target.label}' (#{result.target.index}) saved to {out}: "
          f"the network gives it {result.probability:.1%} after {result.steps} steps ({result.seconds:.1f} s)")
    for p in result.predictions:
        print(f"  {p.score:7.2%}  {p.label}  (#{p.index})")


def cmd_adversarial(args: argparse.Namespace) -> None:
    out = _output_path(args.out)
    target = None if args.untargeted else args.target
    result = adversarial_example(args.image, target, args.model, steps=args.steps, tv_weight=args.tv_weight,
                                 eps=args.eps, lr=args.lr, confidence=args.confidence,
                                 on_progress=_progress_printer(5))
    out.write_bytes(result.png)
    before, after = result.original[0], result.adversarial[0]
    report = {"success": result.success, "confidence": result.confidence,
              "original": {"label": before.label, "score": before.score},
              "adversarial": {"label": after.label, "score": after.score},
              "linf": result.linf, "l2": result.l2, "psnr": result.psnr if math.isfinite(result.psnr) else None,
              "steps": result.steps, "seconds": round(result.seconds, 3), "out": str(out)}
    if args.json:
        print(json.dumps(report))
        return
    goal = f"'{result.target.label}'" if result.target else "any other class"
    verdict = "fooled" if result.success else "NOT fooled"
    print(f"{verdict}: {before.label} ({before.score:.1%}) -> {after.label} ({after.score:.1%}), aiming at {goal}")
    print(f"change: L-inf {result.linf:g}/255, L2 {result.l2:.3f}, PSNR {result.psnr:.1f} dB, "
          f"{result.steps} steps, {result.seconds:.1f} s; saved to {out}")


def _per_mode(name: str) -> str:
    """'112 natural, 128 robust, 128 lesson': an ideal-image setting's default in each mode (None: the network's
    input size)."""
    defaults = {key: mode.defaults()[name] for key, mode in MODES.items()}
    return ", ".join(f"{'network input' if value is None else format(value, 'g')} {key}"
                     for key, value in defaults.items())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m transfer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, handler: Callable, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(handler=handler)
        sub.add_argument("--json", action="store_true", help="print machine-readable JSON")
        return sub

    command("models", cmd_models, "list the model catalog and which models work offline")

    classify = command("classify", cmd_classify, "classify images with a pretrained or fine-tuned model")
    classify.add_argument("images", nargs="+", metavar="IMAGE")
    classify.add_argument("--model", default=DEFAULT_MODEL, help="catalog/timm name or fine-tuned model folder")
    classify.add_argument("--top", type=int, default=DEFAULT_TOP_K,
                          help=f"how many classes to show (default {DEFAULT_TOP_K})")

    finetune = command("finetune", cmd_finetune, "train a classifier for your classes on a pretrained network")
    finetune.add_argument("--data", required=True, metavar="ROOT_OR_ZIP",
                          help="Oxford-IIIT Pet root (torchvision layout), a folder of class folders, or a .zip of one")
    finetune.add_argument("--download", action="store_true",
                          help=f"download Oxford-IIIT Pet (about {PETS_DOWNLOAD_MB} MB) into --data first "
                               "(needs internet)")
    finetune.add_argument("--task", choices=TASKS, default=DEFAULT_TASK,
                          help=f"Oxford-IIIT Pet: 37 breeds or cat vs dog (default {DEFAULT_TASK})")
    finetune.add_argument("--method", choices=METHODS, default=DEFAULT_METHOD,
                          help="; ".join(f"{name}: {method.title}" for name, method in METHODS.items())
                               + f" (default {DEFAULT_METHOD})")
    finetune.add_argument("--per-class", type=int, default=None, metavar="N", help="at most N images per class")
    train_lib.L2.add_to(finetune, "the best by cross-validation on the training images")
    for param in (train_lib.EPOCHS, train_lib.LR, train_lib.BATCH_SIZE, train_lib.SEED):
        param.add_to(finetune)
    finetune.add_argument("--no-augment", action="store_true", help="no mirror images / random crops while training")
    finetune.add_argument("--model", default=DEFAULT_FINETUNE_MODEL,
                          help=f"pretrained network to start from (default {DEFAULT_FINETUNE_MODEL})")
    finetune.add_argument("--out", required=True, metavar="DIR", help="folder to save the fine-tuned model in")
    finetune.add_argument("--zip", action="store_true", help="also write DIR.zip, which unpacks to that folder")

    export = command("export", cmd_export, "export a model to ONNX and check it against PyTorch with ONNX Runtime")
    export.add_argument("model", metavar="DIR_OR_MODEL_NAME", help="fine-tuned model folder or catalog/timm name")
    export.add_argument("--onnx", required=True, metavar="OUT.onnx", help="where to write the ONNX file")
    export.add_argument("--images", nargs="+", metavar="IMAGE",
                        help="2 to 32 images to check the export on (default: the ideal images in examples/)")
    export.add_argument("--int8", action="store_true", help="also write OUT.int8.onnx, quantised to 8 bits and "
                        "calibrated on the --images (use training photos): about 3.5x smaller")

    push = command("push", cmd_push, "upload a fine-tuned model folder to the Hugging Face Hub (internet + token)")
    push.add_argument("folder", metavar="DIR", help="a folder written by `finetune --out DIR`")
    push.add_argument("--repo", required=True, metavar="USER/NAME", help="the Hub repository to create or update")
    push.add_argument("--private", action="store_true", help="create the repository as private")
    ideal = command("ideal", cmd_ideal, "optimise an image from noise until the network sees a class")
    ideal.add_argument("--target", required=True, help="class name (any synonym, e.g. 'Siamese cat') or index")
    for param in (ideal_lib.STEPS, ideal_lib.TV_WEIGHT, ideal_lib.LR, ideal_lib.SIZE):
        param.add_to(ideal, _per_mode(param.name))
    ideal.add_argument("--mode", choices=MODES, default=DEFAULT_MODE,
                       help="; ".join(f"{name}: {mode.help}" for name, mode in MODES.items())
                            + f" (default {DEFAULT_MODE})")
    ideal_lib.SEED.add_to(ideal)
    ideal.add_argument("--model", default=DEFAULT_MODEL, help="catalog/timm name or fine-tuned model folder")
    ideal.add_argument("--out", required=True, metavar="FILE.png", help="where to save the image")

    adversarial = command("adversarial", cmd_adversarial,
                          "change a photo invisibly until the network sees another class")
    adversarial.add_argument("image", metavar="IMAGE")
    aim = adversarial.add_mutually_exclusive_group()
    aim.add_argument("--target", default=DEFAULT_TARGET,
                     help=f"class to aim at, name or index (default '{DEFAULT_TARGET}')")
    aim.add_argument("--untargeted", action="store_true", help="aim at any class but the photo's top class")
    for param in (adversarial_lib.STEPS, adversarial_lib.TV_WEIGHT, adversarial_lib.EPS, adversarial_lib.CONFIDENCE):
        param.add_to(adversarial)
    adversarial_lib.LR.add_to(adversarial, f"{default_lr(1.0):g} x eps")
    adversarial.add_argument("--model", default=DEFAULT_MODEL, help="catalog/timm name or fine-tuned model folder")
    adversarial.add_argument("--out", required=True, metavar="FILE.png", help="where to save the adversarial PNG")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except TransferError as error:
        print(f"error: {error}" + (f" {error.operator}" if error.operator else ""), file=sys.stderr)
        return 2
    except OSError as error:  # the file system refused a read or write the checks above could not foresee
        print(f"error: {error.strerror or error}: {error.filename or ''}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0
