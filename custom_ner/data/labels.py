"""The label map: one file (configs/labels.json) that every converter uses.

A scheme maps the labels of one source (CoNLL, GMB, OntoNotes ...) to the labels
of en_custom_ner. ``None`` as a target drops a type deliberately (GMB ``tim``);
a label that is not in the scheme at all is an error, never a silent "O".
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Union

import srsly

DEFAULT_LABEL_MAP = Path("configs") / "labels.json"
# one colour per label in every render (report page, demo), so a colour means one type
LABEL_COLORS = {"PERSON": "#aa9cfc", "ORG": "#7aecec", "LOC": "#feca74", "MISC": "#c887fb", "TICKER": "#ff8197"}


class UnknownLabel(KeyError):
    def __init__(self, label: str, scheme: str, known: List[str]):
        self.label = label
        self.scheme = scheme
        super().__init__(
            f"unknown label {label!r}: not in the label map's {scheme!r} scheme "
            f"(known: {', '.join(known)})"
        )

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


@dataclass
class LabelMap:
    labels: List[str]
    schemes: Dict[str, Dict[str, Optional[str]]]

    def __post_init__(self) -> None:
        for name, mapping in self.schemes.items():
            for source, target in mapping.items():
                if target is not None and target not in self.labels:
                    raise ValueError(
                        f"label map scheme {name!r} maps {source!r} to {target!r}, "
                        f"which is not one of the labels {self.labels}"
                    )

    @classmethod
    def from_file(cls, path: Union[str, Path] = DEFAULT_LABEL_MAP) -> "LabelMap":
        data = srsly.read_json(path)
        return cls(labels=list(data["labels"]), schemes=dict(data["schemes"]))

    def scheme(self, name: str) -> Dict[str, Optional[str]]:
        if name not in self.schemes:
            raise ValueError(
                f"no label scheme {name!r} in the label map (have: {', '.join(self.schemes)})"
            )
        return self.schemes[name]

    def map(self, scheme: str, label: str) -> Optional[str]:
        """Map ``label`` of ``scheme``; ``None`` means dropped on purpose."""
        mapping = self.scheme(scheme)
        if label not in mapping:
            raise UnknownLabel(label, scheme, list(mapping))
        return mapping[label]
