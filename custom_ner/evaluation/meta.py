"""The package's meta.json for ``spacy package``: description, labels, sources, licence
note and the evaluation scores the ``evaluate-*`` steps measured.

``performance`` holds the CoNLL-2003 test scores in spaCy's format (the package
README shows them); ``evaluation`` holds both evaluations in full.

No run timing goes into the package (words/s, training seconds, the machine): they
differ from run to run, and the wheel of one config on one machine is the same bytes
every time (docs/reproducibility.md). Speed lives in metrics/ and the report.
"""
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import srsly

from ..data.files import write_json
from ..loading import load_pipeline
from .scoring import format_report

DESCRIPTION = (
    "English named-entity recognition for news and financial text with five labels: "
    "PERSON, ORG, LOC, MISC (CoNLL-2003 guidelines) and TICKER (stock, fund and "
    "crypto-asset trading symbols such as $AAPL, NYSE: IBM or DELL.O). "
    "{pipeline} pipeline trained on CoNLL-2003 English and the hand-annotated ner_gold set."
)
LICENSE = "research use only"
LICENSE_NOTE = (
    "Licence note: the pipeline is derived from CoNLL-2003 (Reuters RCV1 text, research "
    "agreement required), the ner_gold annotations of AG News, Reuters/nasdaq.com news "
    "and tweet/StockTwits texts (research and non-commercial terms). Its static word "
    "vectors are GloVe 6B (PDDL 1.0). Use it for research; do not redistribute it commercially."
)
SOURCES: List[Dict[str, str]] = [
    {
        "name": "CoNLL-2003 English NER",
        "url": "https://www.clips.uantwerpen.be/conll2003/ner/",
        "license": "Reuters RCV1 research agreement",
        "author": "Tjong Kim Sang & De Meulder (2003)",
    },
    {
        "name": "ner_gold (hand-annotated PERSON/ORG/LOC/MISC/TICKER)",
        "license": "research use (texts from AG News, Reuters/nasdaq.com news, tweets)",
        "author": "en_custom_ner project",
    },
    {
        "name": "GloVe 6B 50d word vectors (Wikipedia 2014 + Gigaword 5), the {rows:,} most frequent rows",
        "url": "https://nlp.stanford.edu/projects/glove/",
        "license": "PDDL 1.0",
        "author": "Pennington, Socher & Manning (2014)",
    },
]
# the text of the self-training docs (paths.ensemble, the silver-self step): labelled by the
# pipeline's own base model, so only the text is a source, and its terms travel with the model
SELF_TRAINING_SOURCE: Dict[str, str] = {
    "name": "self-training sentences: Reuters business news 2006-2013 (Ding et al. 2014) and financial posts, "
            "labelled by this project's own base pipeline",
    "license": "Thomson Reuters copyright: internal research use only",
    "author": "Ding, Zhang, Liu & Duan (2014); en_custom_ner project",
}
PERFORMANCE_KEYS = ("ents_p", "ents_r", "ents_f", "ents_per_type")
TRAINING_KEYS = ("steps", "epochs", "words")
RUN_KEYS = frozenset({"speed", "machine", "model", "data"})  # timings and where this run's files were


def figures_only(scores: Dict[str, Any]) -> Dict[str, Any]:
    """An evaluation without what differs from run to run of one config (:data:`RUN_KEYS`)."""
    return {k: v for k, v in scores.items() if k not in RUN_KEYS}


def build_meta(
    model: Union[str, Path],
    conll_test: Dict[str, Any],
    gold_dev: Dict[str, Any],
    version: Optional[str] = None,
    train_summary: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    nlp = load_pipeline(model)
    conll_test, gold_dev = figures_only(conll_test), figures_only(gold_dev)
    is_trf = "transformer" in nlp.pipe_names
    kind = "Transformer (spacy-transformers + ner)" if is_trf else "CPU (tok2vec + ner)"
    labels = list(nlp.get_pipe("ner").labels)
    sources = SOURCES[:2]
    if is_trf:
        name = nlp.config["components"]["transformer"]["model"]["name"]  # hub name or local directory
        hf = nlp.get_pipe("transformer").model.transformer.config
        sources.append({
            "name": f"pretrained {hf.model_type} encoder ({hf.num_hidden_layers} layers, hidden size {hf.hidden_size}): {name}",
            "author": "see the model's card",
        })
    else:
        sources.append({**SOURCES[2], "name": SOURCES[2]["name"].format(rows=nlp.vocab.vectors.shape[0])})
    if nlp.config["paths"].get("ensemble"):
        sources.append(SELF_TRAINING_SOURCE)
    meta: Dict[str, Any] = {
        "description": DESCRIPTION.format(pipeline=kind),
        "author": "en_custom_ner project",
        "license": LICENSE,
        "sources": sources,
        "performance": {key: conll_test[key] for key in PERFORMANCE_KEYS if key in conll_test},
        "evaluation": {"conll2003_test": conll_test, "ner_gold_dev": gold_dev},
        "notes": "\n\n".join(
            [
                "### Evaluation (entity-level, exact match)",
                "```\n" + format_report(conll_test, labels, "CoNLL-2003 test") + "\n```",
                "```\n" + format_report(gold_dev, labels, "ner_gold dev") + "\n```",
                LICENSE_NOTE,
            ]
        ),
    }
    if version:
        meta["version"] = version
    if train_summary:
        meta["training"] = {k: train_summary[k] for k in TRAINING_KEYS if k in train_summary}
    return meta


def write_meta(model: Union[str, Path], output: Union[str, Path], conll_test: Union[str, Path],
               gold_dev: Union[str, Path], train_summary: Optional[Union[str, Path]] = None,
               version: Optional[str] = None) -> Dict[str, Any]:
    """:func:`build_meta` from the metrics JSON files, written to ``output``."""
    summary = srsly.read_json(train_summary) if train_summary and Path(train_summary).exists() else None
    meta = build_meta(model, srsly.read_json(conll_test), srsly.read_json(gold_dev), version, summary)
    write_json(output, meta)
    return meta
