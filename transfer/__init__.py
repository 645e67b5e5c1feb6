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
from .classifier import Classifier, Preprocessing
from .models import DEFAULT_FINETUNE_MODEL, DEFAULT_MODEL, CATALOG, imagenet_labels, list_models, load_model
from .predict import Prediction, predict, predict_batch
from .data import DatasetSplits, open_dataset
from .evaluate import Evaluation, evaluate
from .export import load_finetuned, save_finetuned
from .hub import push_to_hub
from .onnx_export import OnnxExport, export_onnx
from .train import EpochMetrics, FineTuneResult, TrainConfig, finetune
from .adversarial import AdversarialExample, adversarial_example, iter_adversarial
from .ideal import IdealImage, ideal_image, iter_ideal_image
from .targets import Target, resolve_target

__all__ = [
    "CATALOG", "DEFAULT_FINETUNE_MODEL", "DEFAULT_MODEL", "Classifier", "InputError", "Listing", "Message",
    "ModelUnavailableError", "Prediction", "Preprocessing", "TransferError",
    "Analysis", "analyse", "feature_layers", "feature_maps", "gradcam", "imagenet_labels", "list_models", "load_image", "load_model",
    "predict", "predict_batch",
    "DatasetSplits", "EpochMetrics", "Evaluation", "FineTuneResult", "TrainConfig", "evaluate", "finetune",
    "load_finetuned", "open_dataset", "save_finetuned", "OnnxExport", "export_onnx", "push_to_hub",
    "AdversarialExample", "IdealImage", "Target", "adversarial_example", "ideal_image", "iter_adversarial",
    "iter_ideal_image", "resolve_target",
]
