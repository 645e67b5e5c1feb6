"""Upload a fine-tuned model folder to the Hugging Face Hub with timm's push_to_hf_hub."""

from __future__ import annotations

import json
import os
import re

from timm.models import push_to_hf_hub
from timm.models._hub import generate_readme

from ..checks import reachable
from ..errors import InputError, Message, TransferError
from .export import CARD_FILE, EXTRAS_FILE, extras_of, load_finetuned, model_card, timm_config
from .catalog import HUB_HOST, hub_offline_mode

REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")


def push_to_hub(folder: str | os.PathLike, repo_id: str, private: bool = False) -> str:
    """Upload a saved model folder to the Hub as `repo_id` ("user/name"); returns the URL of the last commit.

    timm's push_to_hf_hub writes the weights, config and model card; a second commit adds transfer_lab.json and
    refreshes the card. Needs internet and a token (HF_TOKEN or `hf auth login`); fails within seconds without them.
    """
    if not isinstance(repo_id, str) or not REPO_ID.match(repo_id):
        raise InputError("The repository must look like USER/NAME (letters, digits, '-', '_', '.'), got {value}.",
                         value=repr(repo_id))
    classifier = load_finetuned(folder)
    if hub_offline_mode() or not reachable(HUB_HOST):
        why = Message("HF_HUB_OFFLINE is set" if hub_offline_mode() else "huggingface.co cannot be reached from this "
                                                                          "machine")
        raise TransferError("Cannot upload to the Hugging Face Hub: {reason}. Connect to the internet and try again; "
                            "nothing was uploaded.", reason=why)
    from huggingface_hub import CommitOperationAdd, HfApi, get_token

    token = get_token()
    if not token:
        raise TransferError("No Hugging Face token: run `hf auth login` or set HF_TOKEN to a token with write "
                            "access, then try again. Nothing was uploaded.")
    extras = extras_of(classifier)
    card = model_card(classifier, extras)
    try:
        push_to_hf_hub(classifier.network, repo_id, token=token, private=private, model_card=card,
                       safe_serialization=True, commit_message="Add model (Transfer Lab)", **timm_config(classifier))
        commit = HfApi(token=token).create_commit(
            repo_id, commit_message="Add Transfer Lab metrics, training settings and model card",
            operations=[CommitOperationAdd(EXTRAS_FILE, json.dumps(extras, indent=2).encode()),
                        CommitOperationAdd(CARD_FILE, generate_readme(card, repo_id.split("/")[1]).encode())])
    except Exception as error:  # huggingface_hub raises many types (HTTP, auth, repo): report them in one clear way
        raise TransferError("Upload to {repo} failed: {reason}", repo=repo_id, reason=str(error).splitlines()[0]) \
            from error
    return commit.commit_url
