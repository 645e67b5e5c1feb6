"""Transfer Lab: see what pretrained ImageNet CNNs see, fine-tune them, and probe them.

    >>> from transfer import predict
    >>> predict("cat.jpg", top_k=3)
"""

import os

#: Before torch loads OpenMP: its idle threads sleep instead of spinning. Spinning threads next to any other busy
#: process on a small shared CPU made each network call up to 50x slower (benchmarks/bench_threads.py).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .errors import InputError, Listing, Message, ModelUnavailableError, TransferError
from .explain import Analysis, analyse, feature_layers, feature_maps, gradcam
from .images import load_image
from .models import (CATALOG, DEFAULT_FINETUNE_MODEL, DEFAULT_MODEL, Classifier, Int8Export, OnnxExport, Preprocessing,
                     export_onnx, imagenet_labels, list_models, load_finetuned, load_model, push_to_hub, quantize_onnx,
                     save_finetuned)
from .predict import Prediction, predict, predict_batch
from .data import DatasetSplits, open_dataset
from .train import EpochMetrics, Evaluation, FineTuneResult, TrainConfig, evaluate, finetune
from .synthesis import (AdversarialExample, IdealImage, Target, adversarial_example, ideal_image, iter_adversarial,
                        iter_ideal_image, resolve_target)

__all__ = [
    "CATALOG", "DEFAULT_FINETUNE_MODEL", "DEFAULT_MODEL", "Classifier", "InputError", "Listing", "Message",
    "ModelUnavailableError", "Prediction", "Preprocessing", "TransferError",
    "Analysis", "analyse", "feature_layers", "feature_maps", "gradcam", "imagenet_labels", "list_models", "load_image", "load_model",
    "predict", "predict_batch",
    "DatasetSplits", "EpochMetrics", "Evaluation", "FineTuneResult", "TrainConfig", "evaluate", "finetune",
    "load_finetuned", "open_dataset", "save_finetuned", "OnnxExport", "export_onnx", "Int8Export", "quantize_onnx",
    "push_to_hub",
    "AdversarialExample", "IdealImage", "Target", "adversarial_example", "ideal_image", "iter_adversarial",
    "iter_ideal_image", "resolve_target",
]
