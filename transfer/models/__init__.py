"""Networks: the catalog and loading by name (catalog.py), the Classifier with its preprocessing (classifier.py),
fine-tuned model folders (export.py), the upload to the Hub (hub.py), ONNX export (onnx_export.py) and its int8
copy (quantize.py)."""

from .catalog import (CATALOG, DEFAULT_FINETUNE_MODEL, DEFAULT_MODEL, CatalogEntry, any_model_allowed,
                      imagenet_labels, is_model_name, list_models, load_model)
from .classifier import Classifier, Preprocessing
from .export import load_finetuned, save_finetuned
from .hub import push_to_hub
from .onnx_export import MAX_CHECK_IMAGES, OnnxExport, export_onnx
from .quantize import MAX_CALIBRATION_IMAGES, Int8Export, int8_path, quantize_onnx

__all__ = [
    "CATALOG", "DEFAULT_FINETUNE_MODEL", "DEFAULT_MODEL", "MAX_CALIBRATION_IMAGES", "MAX_CHECK_IMAGES", "CatalogEntry", "Classifier",
    "Int8Export", "OnnxExport", "Preprocessing", "any_model_allowed", "export_onnx", "imagenet_labels", "int8_path",
    "is_model_name", "list_models", "load_finetuned", "load_model", "push_to_hub", "quantize_onnx", "save_finetuned",
]
