"""Collect the unannotated text of the data directory into one tokenized file.

    python scripts/unlabelled_text.py DATA_DIR OUTPUT.txt [--exclude FILE.jsonl ...]

One text per line, tokens separated by spaces (spaCy's English tokenizer, so the
vectors see the tokens the pipeline will see). Texts of the evaluation sets
(``--exclude``) are left out; CoNLL dev/test are never read.
"""
from pathlib import Path
from typing import Dict, Iterable, List

import spacy
import srsly
import typer
from custom_ner.cli import fail, msg

from custom_ner import sources

# source -> (path below DATA_DIR, reader, already tokenized?)
SOURCES: Dict[str, tuple] = {
    "conll2003-train": ("conll2003/train.iob", sources.column_sentences, True),
    "gmb": ("gmb/ner_dataset.csv", sources.csv_sentences, True),
    "wnut17-train": ("wnut17/wnut17train.conll", sources.column_sentences, True),
    "ag_news-test": ("ag_news/test.csv", sources.ag_news_texts, False),
    "news_tickers": ("ticker_sources/news_tickers.jsonl", sources.jsonl_texts, False),
    "tweets_cashtags": ("ticker_sources/tweets_cashtags.jsonl", sources.jsonl_texts, False),
    "ner_gold-train": ("ner_gold/train.jsonl", sources.jsonl_texts, False),
}


def collect_text(data_dir: Path, output: Path, exclude: List[Path]) -> Dict[str, Dict[str, int]]:
    """Write the tokenized texts; returns per-source counts of texts, tokens and exclusions."""
    tokenizer = spacy.blank("en").tokenizer
    held_out: List[str] = [t for path in exclude for t in sources.jsonl_texts(path)]
    counts: Dict[str, Dict[str, int]] = {}
    output.parent.mkdir(parents=True, exist_ok=True)
    seen = set()
    with output.open("w", encoding="utf-8") as out:
        for name, (rel, reader, pretokenized) in SOURCES.items():
            path = data_dir / rel
            if not path.exists():
                msg.warn(f"{name}: {path} not found, skipped")
                continue
            excluder = sources.Excluder(held_out)
            n_texts = n_tokens = duplicates = 0
            texts: Iterable[str] = reader(path)
            for text in texts:
                text = " ".join(text.split())
                if not text or excluder(text):
                    continue
                if text in seen:
                    duplicates += 1
                    continue
                seen.add(text)
                words = text.split(" ") if pretokenized else [t.text for t in tokenizer(text) if not t.is_space]
                out.write(" ".join(words) + "\n")
                n_texts += 1
                n_tokens += len(words)
            counts[name] = {"texts": n_texts, "tokens": n_tokens, "excluded": excluder.excluded, "duplicates": duplicates}
            msg.info(f"{name}: {n_texts} texts, {n_tokens} tokens ({excluder.excluded} held out, {duplicates} duplicates)")
    return counts


def main(
    data_dir: Path = typer.Argument(..., help="The data directory (../shared/data)"),
    output: Path = typer.Argument(..., help="Output text file, one tokenized text per line"),
    exclude: List[Path] = typer.Option([], "--exclude", help="JSONL files whose texts are held out"),
) -> None:
    if not data_dir.is_dir():
        fail(f"{data_dir}: data directory not found")
    counts = collect_text(data_dir, output, exclude)
    total = sum(c["tokens"] for c in counts.values())
    srsly.write_json(output.with_suffix(".stats.json"), counts)
    msg.good(f"Wrote {sum(c['texts'] for c in counts.values())} texts, {total} tokens to {output}")


if __name__ == "__main__":
    typer.run(main)
