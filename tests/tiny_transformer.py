"""A tiny random RoBERTa with a byte-level BPE tokenizer, built offline.

For tests and smoke runs of the transformer workflow where no pretrained model
can be downloaded: it has the files a Hugging Face model directory has
(config.json, model weights, tokenizer files), so it goes wherever
``--vars.transformer`` accepts a directory.
"""
import json
from pathlib import Path
from typing import Iterable, Optional, Union


def make_tiny_roberta(
    output_dir: Union[str, Path],
    texts: Iterable[str],
    *,
    vocab_size: int = 1000,
    hidden_size: int = 32,
    layers: int = 2,
    max_positions: int = 130,
    model_max_length: Optional[int] = 128,
    seed: int = 0,
) -> Path:
    """Train a byte-level BPE on ``texts`` and save a random RobertaModel beside it.

    ``model_max_length=None`` leaves it out of tokenizer_config.json, as some
    model directories do (the tokenizer then reports a huge limit).
    """
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import RobertaConfig, RobertaModel, RobertaTokenizerFast

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    special = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe.train_from_iterator(list(texts), vocab_size=vocab_size, min_frequency=1, special_tokens=special)
    bpe.save_model(str(output_dir))
    tokenizer = RobertaTokenizerFast(
        vocab_file=str(output_dir / "vocab.json"), merges_file=str(output_dir / "merges.txt")
    )
    tokenizer.save_pretrained(str(output_dir))
    config_path = output_dir / "tokenizer_config.json"
    tok_config = json.loads(config_path.read_text())
    if model_max_length is None:
        tok_config.pop("model_max_length", None)
    else:
        tok_config["model_max_length"] = model_max_length
    config_path.write_text(json.dumps(tok_config, indent=2))
    torch.manual_seed(seed)
    config = RobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=hidden_size * 2,
        max_position_embeddings=max_positions,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    RobertaModel(config).save_pretrained(str(output_dir))
    return output_dir
