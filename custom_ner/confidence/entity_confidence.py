"""A calibrated confidence for every entity: ``ent._.confidence`` in [0, 1].

Self-contained on purpose (numpy + spaCy only): ``spacy package --code`` copies this
one file into the wheel, next to the TICKER linker, where the rest of ``custom_ner``
does not exist.

How a score is made (docs/confidence.md has the measurements):

1. **Raw score** (``ent._.confidence_raw``): the probability the greedy NER model gives
   to the actions that make the entity, B-X I-X ... L-X or U-X, each softmaxed over the
   actions that are valid in that state. The model is run again over the entities the
   pipeline ended with (the same tok2vec output, ``doc.tensor``), so no entity changes.
   Beam search with the greedy weights was measured first and rejected: the weights
   were trained with a softmax over the *valid* actions only, so summing raw scores of
   whole parses favours parses through states whose invalid actions score high, and
   the beam's top parse was often not an answer the greedy model would ever give.
2. **Calibration**: a monotone map (isotonic regression, fitted by
   ``custom_ner.confidence.calibration`` on data the scores are not measured on) per
   label and per *seen* or *unseen*: whether the entity's text carries that label in
   the human-annotated training data. Unseen names are wrong more often at the same
   raw score, and the share of them is what changes most from one kind of text to
   another. A group with few entities in the fitting data falls back to its label's
   map, then to the map of all labels pooled.
3. TICKERs made by the linker's patterns (``ent._.ticker_rule``) get the precision
   that pattern was measured to have, not a model score.

``threshold`` (config) drops entities scored below it; 0 keeps every entity.
"""
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple, Union

import catalogue
import numpy
import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch, registry

FACTORY = "custom_ner_entity_confidence"
Calibration = Dict[str, Any]


def biluo_tags(doc: Doc, labels: Iterable[str]) -> List[str]:
    """The NER action for every token of ``doc`` given its entities; an entity whose
    label the model does not know is read as outside (O)."""
    known = set(labels)
    tags = ["O"] * len(doc)
    for ent in doc.ents:
        if ent.label_ not in known:
            continue
        if len(ent) == 1:
            tags[ent.start] = f"U-{ent.label_}"
            continue
        tags[ent.start] = f"B-{ent.label_}"
        for i in range(ent.start + 1, ent.end - 1):
            tags[i] = f"I-{ent.label_}"
        tags[ent.end - 1] = f"L-{ent.label_}"
    return tags


class ActionMasks:
    """Which actions are valid after a given action: I-X/L-X inside an entity of label
    X, otherwise O, U-* and (not on the last token) B-*."""

    def __init__(self, names: List[str]) -> None:
        self.index = {name: i for i, name in enumerate(names)}
        n = len(names)
        outside = numpy.array([name == "O" or name[:2] in ("B-", "U-") for name in names])
        self.masks = {("closed", False): outside,
                      ("closed", True): outside & numpy.array([not name.startswith("B-") for name in names])}
        for name in names:
            if name.startswith("B-"):
                label = name[2:]
                inside = numpy.zeros(n, dtype=bool)
                inside[[self.index[f"{m}-{label}"] for m in ("I", "L") if f"{m}-{label}" in self.index]] = True
                last = numpy.zeros(n, dtype=bool)
                last[self.index.get(f"L-{label}", 0)] = f"L-{label}" in self.index
                self.masks[(label, False)], self.masks[(label, True)] = inside, last

    def mask(self, previous: str, is_last: bool) -> numpy.ndarray:
        open_label = previous[2:] if previous[:2] in ("B-", "I-") else "closed"
        return self.masks[(open_label, is_last)]


def action_log_probs(ner: Any, docs: List[Doc], labels: Iterable[str]) -> List[numpy.ndarray]:
    """Per token, the log probability of the action that gives the docs' entities,
    under the NER model's softmax over the valid actions (``labels``: the NER's)."""
    moves = ner.moves
    names = [moves.get_class_name(i) for i in range(moves.n_moves)]
    masks = ActionMasks(names)
    tags = [biluo_tags(doc, labels) for doc in docs]
    saved = [list(doc.ents) for doc in docs]
    for doc in docs:  # entities already set would constrain the actions (presets)
        doc.set_ents([], default="missing")
    out = [numpy.zeros(len(doc), dtype="f") for doc in docs]
    try:
        step_model = ner.model.predict(docs)
        states = moves.init_batch(docs)
        position = [0] * len(docs)
        active = [i for i, state in enumerate(states) if not state.is_final()]
        while active:
            scores = numpy.asarray(step_model.predict([states[i] for i in active]), dtype="f")
            valid = numpy.stack([masks.mask(tags[i][position[i] - 1] if position[i] else "O",
                                            position[i] == len(docs[i]) - 1) for i in active])
            chosen = numpy.array([masks.index[tags[i][position[i]]] for i in active])
            masked = numpy.where(valid, scores, -numpy.inf)
            top = masked.max(axis=1, keepdims=True)
            log_z = numpy.log(numpy.exp(masked - top).sum(axis=1)) + top[:, 0]
            log_p = scores[numpy.arange(len(active)), chosen] - log_z
            for row, i in enumerate(active):
                out[i][position[i]] = log_p[row]
                moves.apply_transition(states[i], tags[i][position[i]])
                position[i] += 1
            active = [i for i in active if not states[i].is_final()]
        step_model.clear_memory()
    finally:
        for doc, ents in zip(docs, saved):
            doc.ents = ents
    return out


def apply_map(curve: Dict[str, List[float]], value: float) -> float:
    """A fitted monotone map (points x -> y), interpolated linearly."""
    return float(numpy.interp(value, curve["x"], curve["y"]))


def register_extensions() -> None:
    """``Span._.confidence``, ``._.confidence_raw`` and the linker's ``._.ticker_rule``."""
    for extension in ("confidence", "confidence_raw", "ticker_rule"):
        if not Span.has_extension(extension):
            Span.set_extension(extension, default=None)


class EntityConfidence:
    """Sets ``ent._.confidence`` (calibrated) and ``ent._.confidence_raw`` on every entity."""

    def __init__(self, nlp: Language, name: str, ner: str = "ner", threshold: float = 0.0) -> None:
        self.nlp = nlp
        self.name = name
        self.ner = ner
        self.threshold = threshold
        self.calibration: Calibration = {"labels": {}, "pooled": None, "rules": {}, "seen": {}}
        self._seen: Set[Tuple[str, str]] = set()
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        self.set_scores([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for batch in minibatch(docs, batch_size):
            self.set_scores(list(batch))
            yield from batch

    def group(self, label: str, text: str) -> str:
        """``LABEL|seen`` or ``LABEL|unseen``: the calibration group of an entity."""
        return f"{label}|{'seen' if (label, text.lower()) in self._seen else 'unseen'}"

    def confidence_of(self, label: str, text: str, raw: Optional[float], rule: Optional[str]) -> float:
        """The calibrated confidence of one entity."""
        if rule is not None and rule in self.calibration["rules"]:
            return float(self.calibration["rules"][rule])
        if raw is None:
            return 1.0
        maps = self.calibration["labels"]
        curve = maps.get(self.group(label, text)) or maps.get(label) or self.calibration["pooled"]
        return apply_map(curve, raw) if curve else raw

    def set_scores(self, docs: List[Doc]) -> None:
        ner = self.nlp.get_pipe(self.ner)
        labels = set(ner.labels)
        log_probs = action_log_probs(ner, [doc for doc in docs if len(doc)], labels)
        by_doc = iter(log_probs)
        for doc in docs:
            token_log_p = next(by_doc) if len(doc) else None
            for ent in doc.ents:
                ent._.confidence_raw = (float(numpy.exp(token_log_p[ent.start : ent.end].sum()))
                                        if ent.label_ in labels else None)
            self.apply_calibration(doc)

    def apply_calibration(self, doc: Doc) -> None:
        """Set ``ent._.confidence`` from the raw scores already on ``doc``'s entities and
        drop those below the threshold. The fit re-scores its docs with this once the
        maps are set, without running the model again."""
        kept = []
        for ent in doc.ents:
            ent._.confidence = self.confidence_of(ent.label_, ent.text, ent._.confidence_raw, ent._.ticker_rule)
            if ent._.confidence >= self.threshold:
                kept.append(ent)
        if len(kept) < len(doc.ents):
            doc.ents = kept

    def set_calibration(self, calibration: Calibration) -> None:
        """Maps (``labels``: group or label -> curve, ``pooled``), pattern precisions
        (``rules``) and the seen entity texts (``seen``: label -> lower-cased texts)."""
        self.calibration = {"labels": {}, "pooled": None, "rules": {}, "seen": {}, **calibration}
        self._seen = {(label, text) for label, texts in self.calibration["seen"].items() for text in texts}

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        return srsly.json_dumps(self.calibration).encode("utf8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = tuple()) -> "EntityConfidence":
        self.set_calibration(srsly.json_loads(data.decode("utf8")))
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "calibration.json").write_bytes(self.to_bytes())

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> "EntityConfidence":
        return self.from_bytes((Path(path) / "calibration.json").read_bytes())


def make_entity_confidence(nlp: Language, name: str, ner: str, threshold: float) -> EntityConfidence:
    return EntityConfidence(nlp, name, ner=ner, threshold=threshold)


# Registered once per process, as the linker is: the wheel carries its own copy.
if not catalogue.check_exists(*registry.factories.namespace, FACTORY):
    Language.factory(
        FACTORY,
        default_config={"ner": "ner", "threshold": 0.0},
        requires=["doc.ents"],
        assigns=["doc.ents"],
    )(make_entity_confidence)
