"""Silver TICKER docs from the unannotated financial texts (see custom_ner/silver.py).

    python scripts/make_silver.py SOURCE.jsonl... OUTPUT.spacy --symbols corpus/symbols.json
        [--mode missing|rehearsal] [--model training/cpu/model-best] [--limit 4000] [--seed 0]
        [--exclude ner_gold/dev.jsonl ...]

Texts of the gold sets (``--exclude``) are left out so that gold scores stay honest.
Texts in which the rules find no TICKER are skipped in ``missing`` mode (they would
teach nothing) and kept in ``rehearsal`` mode. Counts go to OUTPUT.stats.json.
"""
from collections import Counter
from pathlib import Path
from typing import List, Optional

import spacy
import srsly
import typer
from tqdm import tqdm

from custom_ner import sources
from custom_ner.cli import fail, msg
from custom_ner.docs import write_docbin
from custom_ner.silver import MODES, make_silver, sample_texts
from custom_ner.ticker_linker import TickerAnnotator
from custom_ner.tickers import load_table


def main(
    inputs: List[Path] = typer.Argument(..., help="JSONL files with a 'text' field"),
    output: Path = typer.Argument(..., help="Output DocBin (.spacy)"),
    symbols: Path = typer.Option(..., help="Symbol table from scripts/build_symbols.py"),
    mode: str = typer.Option("missing", help=f"One of {MODES}"),
    model: Optional[str] = typer.Option(None, help="Pipeline for rehearsal mode"),
    limit: int = typer.Option(4000, min=0, help="Texts to annotate (0 = all)"),
    seed: int = typer.Option(0),
    exclude: List[Path] = typer.Option([], help="Gold JSONL files whose texts are left out"),
) -> None:
    if mode not in MODES:
        fail(f"--mode {mode!r}: expected one of {', '.join(MODES)}")
    if mode == "rehearsal" and not model:
        fail("--mode rehearsal needs --model (a trained pipeline)")
    for path in [*inputs, symbols, *exclude]:
        if not path.exists():
            fail(f"{path}: not found")
    excluder = sources.Excluder(t for path in exclude for t in sources.jsonl_texts(path))
    texts = [t for path in inputs for t in sources.jsonl_texts(path)]
    kept = [t for t in texts if not excluder(t)]
    texts = sample_texts(kept, limit, seed)
    nlp = spacy.blank("en")
    pipeline = spacy.load(model) if mode == "rehearsal" else None
    annotator = TickerAnnotator(load_table(symbols))
    counts: Counter = Counter(texts_read=len(kept) + excluder.excluded, excluded_gold=excluder.excluded)
    docs = []
    for doc, found in tqdm(make_silver(nlp, texts, annotator, mode, pipeline), total=len(texts), desc="silver", unit="text"):
        counts.update(found)
        if mode == "missing" and not found["tickers"]:
            counts["skipped_no_ticker"] += 1
            continue
        docs.append(doc)
        for ent in doc.ents:
            counts[f"ents_{ent.label_}"] += 1
    counts["docs"] = len(docs)
    write_docbin(docs, output)
    stats_path = output.with_suffix(".stats.json")
    srsly.write_json(stats_path, {"mode": mode, "inputs": [str(p) for p in inputs], "limit": limit, "seed": seed, **counts})
    msg.good(f"{len(docs)} silver docs ({mode}) -> {output}; counts in {stats_path}")
    msg.info(", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    typer.run(main)
