"""Command line: `python -m transfer COMMAND ...` (run with --help for the list)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from .errors import TransferError
from .models import DEFAULT_MODEL, list_models
from .predict import predict


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
    results = [
        {"image": path, "predictions": [p.to_dict() for p in predict(path, args.model, args.top)]}
        for path in args.images
    ]
    if args.json:
        print(json.dumps(results))
        return
    for result in results:
        print(result["image"])
        for p in result["predictions"]:
            print(f"  {p['score']:7.2%}  {p['label']}  (#{p['index']})")


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
    classify.add_argument("--top", type=int, default=5, help="how many classes to show (default 5)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except TransferError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0
