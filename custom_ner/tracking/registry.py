"""Registered versions of en_custom_ner and the ``champion`` alias behind a gate.

Every tracked package step registers a new version. The alias ``champion`` moves to it
only when it is not worse than the current champion on each gate figure (CoNLL-2003
test F and ner_gold dev F); ``force`` moves it anyway, ``never`` leaves it. The gate's
figures are stored on every version as tags, so a later gate needs no old run.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

MODEL_NAME = "en_custom_ner"
ALIAS = "champion"
GATE = ("accuracy/conll2003-test/wheel/f", "accuracy/ner_gold-dev/wheel/f")
PROMOTE = ("gate", "force", "never")
TOLERANCE = 1e-9  # figures are read back from text: the same run is never "worse" than itself


@dataclass(frozen=True)
class Decision:
    """What the gate decided for ``version``, with the figures it compared (new, champion)."""

    version: str
    promoted: bool
    reason: str
    figures: Dict[str, Tuple[float, Optional[float]]] = field(default_factory=dict)
    champion_before: Optional[str] = None


def _tag_name(metric: str) -> str:
    return "gate." + metric.replace("/", ".")


def champion(client: Any, name: str = MODEL_NAME) -> Optional[Any]:
    """The version the alias points at, or None."""
    try:
        return client.get_model_version_by_alias(name, ALIAS)
    except Exception:  # noqa: BLE001  MLflow raises when the alias (or the model) does not exist yet
        return None


def gate(new: Mapping[str, float], old: Optional[Mapping[str, float]], metrics: Tuple[str, ...] = GATE
         ) -> Tuple[bool, str]:
    """(promote?, why): not worse on every gate figure; no champion yet promotes."""
    missing = [m for m in metrics if m not in new]
    if missing:
        return False, f"the run has no {', '.join(missing)}"
    if old is None:
        return True, "no champion yet"
    worse = [m for m in metrics if m in old and new[m] < old[m] - TOLERANCE]
    if worse:
        return False, "worse than the champion on " + ", ".join(f"{m} ({new[m]:.4f} < {old[m]:.4f})" for m in worse)
    return True, "not worse than the champion on " + ", ".join(metrics)


def register(client: Any, model_uri: str, figures: Mapping[str, float], promote: str = "gate",
             name: str = MODEL_NAME, metrics: Tuple[str, ...] = GATE) -> Decision:
    """A new version of ``name`` from ``model_uri``; the alias moved as ``promote`` says."""
    if promote not in PROMOTE:
        raise ValueError(f"promote {promote!r}: expected one of {', '.join(PROMOTE)}")
    import mlflow

    version = mlflow.register_model(model_uri, name)  # makes the registered model on first use
    for metric in metrics:
        if metric in figures:
            client.set_model_version_tag(name, version.version, _tag_name(metric), repr(float(figures[metric])))
    current = champion(client, name)
    old: Optional[Dict[str, float]] = None
    if current is not None:
        tags = current.tags or {}
        old = {m: float(tags[_tag_name(m)]) for m in metrics if _tag_name(m) in tags}
    ok, reason = gate(figures, old, metrics)
    if promote == "force":
        ok, reason = True, "forced (--vars.promote force); gate: " + reason
    elif promote == "never":
        ok, reason = False, "not promoted (--vars.promote never); gate: " + reason
    if ok:
        client.set_registered_model_alias(name, ALIAS, version.version)
    compared = {m: (figures[m], (old or {}).get(m)) for m in metrics if m in figures}
    return Decision(str(version.version), ok, reason, compared, None if current is None else str(current.version))


def versions(client: Any, name: str = MODEL_NAME) -> List[Dict[str, Any]]:
    """Every version with its aliases (for the note and the docs)."""
    numbers = sorted(int(v.version) for v in client.search_model_versions(f"name='{name}'"))
    full = [client.get_model_version(name, str(n)) for n in numbers]  # search leaves the aliases out
    return [{"version": int(v.version), "aliases": list(v.aliases or []), "run_id": v.run_id} for v in full]
