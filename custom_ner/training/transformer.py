"""What the transformer pipeline needs beyond spacy-transformers itself.

- ``fit_max_length``: spacy-transformers truncates each span to the
  tokenizer's ``model_max_length``; a model directory whose tokenizer config
  lacks it (a common case for local or converted models) reports a huge number,
  and a long span then indexes past the position embeddings and crashes. The
  ``custom_ner.fit_max_length.v1`` callback (``[initialize.after_init]``)
  lowers it to what the model's position embeddings allow; the value is saved
  with the tokenizer, so the packaged pipeline keeps it.
- ``cpu_overrides``: mixed precision and gradient scaling are CUDA features;
  on CPU the same config runs with both switched off.
"""
from typing import Any, Callable, Dict, List, Optional, Tuple

from spacy.language import Language
from spacy.util import registry

# Models whose position ids start after the padding index (pad_token_id + 1).
POSITION_OFFSET_MODEL_TYPES = {"roberta", "xlm-roberta", "camembert", "longformer", "data2vec-text"}


def max_wordpieces(hf_config: Any) -> Optional[int]:
    """The longest input the model's position embeddings can take, if it says."""
    positions = getattr(hf_config, "max_position_embeddings", None)
    if not positions:
        return None
    if getattr(hf_config, "model_type", None) in POSITION_OFFSET_MODEL_TYPES:
        positions -= (getattr(hf_config, "pad_token_id", None) or 0) + 1
    return positions


def fit_max_length(nlp: Language) -> List[Tuple[str, int, int]]:
    """Clamp each transformer's tokenizer.model_max_length; returns (pipe, old, new) changes."""
    from spacy_transformers import Transformer

    changes = []
    for name, pipe in nlp.pipeline:
        if not isinstance(pipe, Transformer):
            continue
        tokenizer = pipe.model.tokenizer
        limit = max_wordpieces(pipe.model.transformer.config)
        if limit is not None and tokenizer.model_max_length > limit:
            changes.append((name, tokenizer.model_max_length, limit))
            tokenizer.model_max_length = limit
            tokenizer.init_kwargs["model_max_length"] = limit  # serialized with the tokenizer
    return changes


@registry.callbacks("custom_ner.fit_max_length.v1")
def create_fit_max_length() -> Callable[[Language], Language]:
    def after_init(nlp: Language) -> Language:
        for name, old, new in fit_max_length(nlp):
            print(f"{name}: tokenizer model_max_length {old} -> {new} (position embeddings)")
        return nlp

    return after_init


def cpu_overrides(config: Dict[str, Any]) -> Dict[str, Any]:
    """Config overrides that switch mixed precision off for every transformer component."""
    overrides: Dict[str, Any] = {}
    for name, component in config.get("components", {}).items():
        model = component.get("model", {})
        if "mixed_precision" in model:
            overrides[f"components.{name}.model.mixed_precision"] = False
        if "enabled" in model.get("grad_scaler_config", {}):
            overrides[f"components.{name}.model.grad_scaler_config.enabled"] = False
    return overrides
