"""The external scorecard: every model on public test sets it was not tuned on.

configs/external.json names each set (a DocBin written by the convert-external step),
how the models' labels are scored against it (one scheme of the label map for all
sets: TICKER as ORG, because these sets tag trading symbols as organisations), its tag
scheme, role words to score with and without, and the published reference points.

- IO-tagged gold (SEC filings) cannot separate two adjacent entities of one type, so
  adjacent predicted entities of one type are merged the same way before scoring;
  otherwise a model that splits "Silicium de Provence SAS and Evergreen" correctly
  would be marked wrong twice.
- Roles ("Borrower", "Lender" tagged PER in SEC filings; our guidelines say roles are
  not names) are scored both ways: as the set has them, and with those gold mentions
  made unannotated, so a prediction on them counts neither right nor wrong.
- Seen/unseen slices: entities whose exact token text is / is not a gold entity of the
  training data. Gold and predicted entities fall into one slice each, so P, R and F
  are those of the slice; a high "seen" and a low "unseen" F is memorisation.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

import srsly
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.vocab import Vocab

from ..data.docs import read_docbin, write_docbin
from ..data.files import write_json
from ..data.labels import LabelMap
from ..data.tags import merge_adjacent
from .analysis import analyse
from .scoring import gold_ents, map_entities, ner_scores, projected_ents, score_spans

DEFAULT_SCORECARD = Path("configs") / "external.json"
SLICES = ("seen", "unseen")


@dataclass
class ExternalSet:
    """One public test set of the scorecard."""

    name: str
    path: Path
    description: str
    tag_scheme: str = "iob2"
    roles: List[str] = field(default_factory=list)  # gold entity texts scored with and without
    references: List[Dict[str, Any]] = field(default_factory=list)  # {"system", "f", "note"}


@dataclass
class Scorecard:
    label_scheme: str  # the label map scheme that maps our predicted labels to the sets' labels
    mapping: Dict[str, Optional[str]]
    note: str
    sets: List[ExternalSet]


def load_scorecard(path: Union[str, Path], label_map: LabelMap) -> Scorecard:
    """configs/external.json, checked: an unknown key, scheme or tag scheme is an error."""
    data = srsly.read_json(path)
    scheme = data["label_scheme"]
    return Scorecard(scheme, label_map.scheme(scheme), data.get("note", ""), scorecard_sets(path, data))


def scorecard_sets(path: Union[str, Path], data: Optional[Dict[str, Any]] = None) -> List[ExternalSet]:
    """The sets of the scorecard at ``path`` (``data``: its JSON, if already read), checked."""
    data = srsly.read_json(path) if data is None else data
    sets = []
    for name, spec in data["sets"].items():
        unknown = set(spec) - {"path", "description", "tag_scheme", "roles", "references"}
        if unknown:
            raise ValueError(f"{path}: set {name!r} has unknown key(s) {sorted(unknown)}")
        if spec.get("tag_scheme", "iob2") not in ("iob1", "iob2", "io"):
            raise ValueError(f"{path}: set {name!r}: tag_scheme must be iob1, iob2 or io")
        sets.append(ExternalSet(name, Path(spec["path"]), spec["description"], spec.get("tag_scheme", "iob2"),
                                list(spec.get("roles", [])), list(spec.get("references", []))))
    return sets


def scored_prediction(doc: Doc, mapping: Dict[str, Optional[str]], tag_scheme: str) -> Doc:
    """A predicted doc as the set scores it: labels mapped, and for IO sets adjacent
    entities of one label merged (as the gold's IO tags merge them)."""
    doc = map_entities(doc, mapping)
    if tag_scheme == "io":
        doc.ents = [Span(doc, s, e, label=label)
                    for s, e, label in merge_adjacent((e.start, e.end, e.label_) for e in doc.ents)]
    return doc


def without_roles(doc: Doc, roles: Sequence[str], as_outside: bool = False) -> Tuple[Doc, int]:
    """A copy of the gold ``doc`` whose entities with a role text (case-insensitive)
    are unannotated instead (``as_outside``: outside any entity, as training data under
    our guidelines has them); returns it and how many were taken out."""
    wanted = {r.lower() for r in roles}
    copy = doc.copy()
    removed = [e for e in copy.ents if e.text.lower() in wanted]
    kept = [e for e in copy.ents if e.text.lower() not in wanted]
    copy.set_ents(kept, missing=[] if as_outside else removed, default="outside")
    return copy, len(removed)


def training_without_roles(input_path: Path, output: Path, set_name: str,
                           scorecard: Union[str, Path] = DEFAULT_SCORECARD) -> Dict[str, Any]:
    """Write ``input_path``'s docs to ``output`` with the role mentions of the scorecard's
    ``set_name`` outside any entity (training data: our guidelines say roles are not
    names); the counts also go to OUTPUT.stats.json."""
    roles = next((ext.roles for ext in scorecard_sets(scorecard) if ext.name == set_name), None)
    if not roles:
        raise ValueError(f"{scorecard}: set {set_name!r} has no 'roles'")
    if not Path(input_path).exists():
        raise ValueError(f"{input_path}: not found (run convert-external first)")
    pairs = [without_roles(doc, roles, as_outside=True) for doc in read_docbin(input_path, Vocab())]
    write_docbin([doc for doc, _ in pairs], output)
    counts = {"docs": len(pairs), "entities": sum(len(doc.ents) for doc, _ in pairs),
              "roles_made_outside": sum(n for _, n in pairs), "roles": list(roles)}
    write_json(Path(output).with_suffix(".stats.json"), counts)
    return counts


def entity_text(doc: Doc, start: int, end: int) -> str:
    """Token texts joined by one space: the same string whatever the source's spacing."""
    return " ".join(t.text for t in doc[start:end])


def seen_entity_texts(docs: Iterable[Doc]) -> Set[str]:
    """Every gold entity text of ``docs`` (the training data), as :func:`entity_text` writes it."""
    return {entity_text(doc, e.start, e.end) for doc in docs for e in doc.ents}


def slice_scores(examples: Sequence[Example], seen: Set[str]) -> Dict[str, Dict[str, Any]]:
    """P, R, F of the entities whose text is in ``seen`` and of those whose text is not."""
    gold: Dict[str, Set[Tuple]] = {s: set() for s in SLICES}
    predicted: Dict[str, Set[Tuple]] = {s: set() for s in SLICES}
    for i, eg in enumerate(examples):
        if not eg.reference.has_annotation("ENT_IOB"):
            continue
        for spans, ents in ((gold, gold_ents(eg)), (predicted, projected_ents(eg))):
            for start, end, label in ents:
                spans[_slice(eg.reference, start, end, seen)].add((i, start, end, label))
    out = {}
    for part in SLICES:
        score = score_spans(predicted[part], gold[part])
        # an empty slice has no score (None), not a score of 0
        out[part] = {"p": score["p"], "r": score["r"], "f": score["f"] if score["gold"] or score["predicted"] else None,
                     "support": score["gold"], "predicted": score["predicted"]}
    return out


def _slice(doc: Doc, start: int, end: int, seen: Set[str]) -> str:
    return "seen" if entity_text(doc, start, end) in seen else "unseen"


def score_external(predicted: Sequence[Doc], gold: Sequence[Doc], ext: ExternalSet, card: Scorecard,
                   labels: Sequence[str], *, seen: Optional[Set[str]], top: int = 20) -> Dict[str, Any]:
    """One model on one external set: the analysis (scores, seqeval, errors), the slices
    and, for sets with roles, the scores with the role mentions unannotated."""
    preds = [scored_prediction(doc, card.mapping, ext.tag_scheme) for doc in predicted]
    examples = [Example(p, g) for p, g in zip(preds, gold)]
    result: Dict[str, Any] = analyse(examples, labels, top=top)
    if seen is not None:
        result["slices"] = slice_scores(examples, seen)
    if ext.roles:
        stripped = [without_roles(g, ext.roles) for g in gold]
        result["without_roles"] = ner_scores([Example(p, g) for p, (g, _) in zip(preds, stripped)], labels)
        result["without_roles"]["roles_unannotated"] = sum(n for _, n in stripped)
    return result


def scored_labels(labels: Sequence[str], card: Scorecard) -> List[str]:
    """The labels an external set can have: ours after the scorecard's mapping."""
    targets = {card.mapping.get(label) for label in labels}
    return [label for label in labels if label in targets]
