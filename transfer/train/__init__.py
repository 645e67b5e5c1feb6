"""Fine-tuning: the settings and loop (loop.py), cached backbone features (features.py), the fitted last layer
(probe.py), test scores and curves in words (evaluate.py), the feature space on a 2-D map (feature_map.py), what
training shows the network of a photo (preview.py), and torchrun (distributed.py)."""

from .evaluate import Evaluation, Mistake, accuracies_differ, evaluate, read_curves
from .feature_map import FEATURES, LOGITS, MAX_MAP_PHOTOS, FeatureMap, feature_map, map_photos, pca_map, trained_map
from .loop import (BATCH_SIZE, DEFAULT_METHOD, EPOCHS, L2, LR, METHODS, SEED, CurvePoint, Finished, FineTuneResult,
                   Method, TrainConfig, data_size_curve, finetune, run)
from .preview import PREVIEW_VIEWS, training_views
from ..progress import EpochMetrics, TrainingProgress

__all__ = [
    "BATCH_SIZE", "DEFAULT_METHOD", "EPOCHS", "L2", "LR", "METHODS", "SEED", "CurvePoint", "EpochMetrics", "Evaluation",
    "Finished", "FineTuneResult", "Method", "Mistake", "TrainConfig", "TrainingProgress", "accuracies_differ",
    "data_size_curve", "evaluate",
    "finetune", "read_curves", "run",
    "FEATURES", "LOGITS", "MAX_MAP_PHOTOS", "FeatureMap", "feature_map", "map_photos", "pca_map", "trained_map",
    "PREVIEW_VIEWS", "training_views",
]
