"""Labelled texts for the NLU benchmark, read from `text,label` CSV files or CLINC150's JSON.

Files come from outside the project, so every problem is reported with the file and,
where there is one, the line.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

# Header names taken as the text and label columns wherever they stand; other files use
# their first column as the text and their second as the label.
TEXT_COLUMNS = ("text", "utterance", "sentence", "query", "instruction")
LABEL_COLUMNS = ("label", "category", "intent")


class DataError(ValueError):
    """A data file is missing or not in the expected shape; the message says where."""


@dataclass(frozen=True)
class Labelled:
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    source: str  # where the rows came from, for messages

    def __len__(self) -> int:
        return len(self.texts)

    def split(self, label: str) -> tuple[Labelled, Labelled]:
        """(the rows not labelled `label`, the rows labelled `label`)."""
        keep = [(t, y) for t, y in zip(self.texts, self.labels, strict=True) if y != label]
        drop = [(t, y) for t, y in zip(self.texts, self.labels, strict=True) if y == label]
        return _of(keep, self.source), _of(drop, f"{self.source} ({label} rows)")


def _of(rows: list[tuple[str, str]], source: str) -> Labelled:
    return Labelled(tuple(t for t, _ in rows), tuple(y for _, y in rows), source)


def read_labelled_csv(path: Path) -> Labelled:
    """A CSV with a header row: the text column and the label column (see TEXT_COLUMNS)."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise DataError(f"{path}: empty file; expected a header row such as text,label")
        if len(header) < 2:
            raise DataError(f"{path}:1: expected 2 columns (text,label), found {len(header)}")
        text_at, label_at = _columns([h.strip().lower() for h in header])
        width = max(text_at, label_at) + 1
        rows = []
        for row in reader:
            if not row:
                continue
            if len(row) < width:
                raise DataError(
                    f"{path}:{reader.line_num}: expected {width} columns "
                    f"({header[text_at]},{header[label_at]}), found {len(row)}"
                )
            text, label = row[text_at].strip(), row[label_at].strip()
            if not text or not label:
                raise DataError(f"{path}:{reader.line_num}: empty text or label")
            rows.append((text, label))
    if not rows:
        raise DataError(f"{path}: no rows under the header")
    return _of(rows, str(path))


def _columns(header: list[str]) -> tuple[int, int]:
    """(text column, label column): known names first, else the first two columns."""
    text = next((header.index(n) for n in TEXT_COLUMNS if n in header), None)
    label = next((header.index(n) for n in LABEL_COLUMNS if n in header), None)
    if text is None:
        text = 1 if label == 0 else 0
    if label is None or label == text:
        label = 1 if text == 0 else 0
    return text, label


def read_clinc(path: Path) -> dict[str, Labelled]:
    """CLINC150's `data_full.json`: train, val and test, each with its out-of-scope split
    (oos_train, oos_val, oos_test, labelled "oos") appended."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    splits = {}
    for name in ("train", "val", "test"):
        pairs = [*raw.get(name, []), *raw.get(f"oos_{name}", [])]
        if not pairs or any(not isinstance(p, list) or len(p) != 2 for p in pairs):
            raise DataError(f"{path}: split {name!r} must be a list of [text, label] pairs")
        splits[name] = Labelled(
            tuple(str(t) for t, _ in pairs),
            tuple(str(y) for _, y in pairs),
            f"{path} {name}",
        )
    return splits
