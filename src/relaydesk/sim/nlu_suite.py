"""`relaydesk nlu bench --suite public`: BANKING77, CLINC150 and Bitext, beside the
published results of shared/data/README.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from relaydesk.sim.explicit_request_check import run_check
from relaydesk.sim.nlu_bench import Say, run_bench
from relaydesk.sim.nlu_data import DataError, read_clinc, read_labelled_csv

BANKING77 = ("banking77/train.csv", "banking77/test.csv")
CLINC150 = "clinc150/data_full.json"
BITEXT = "bitext/Bitext_Sample_Customer_Support_Training_Dataset.csv"

# shared/data/README.md, "Published results to compare with".
PUBLISHED = {
    "banking77": "93.36 USE+ConveRT, 93.66 BERT-large (Casanueva et al. 2020); "
    "93.83 (Mehri & Eric 2021)",
    "clinc150_threshold": "BERT 96.2 / 52.3, MLP 93.4 / 49.1 (Larson et al. 2019, threshold)",
    "clinc150_oos_class": "BERT 96.7 / 59.2, Rasa 91.5 / 66.0 (Larson et al. 2019, OOS+ as "
    "a class; trained on out-of-scope examples, which we never are)",
    "clinc150_auroc": "97.18 (Zhou, Liu & Chen 2021)",
}


def default_data_dir(cwd: Path) -> Path:
    """shared/data beside the repository, when run from the repository's root."""
    candidate = cwd.parent / "shared" / "data"
    if not candidate.is_dir():
        raise DataError(f"no public data at {candidate}; pass --data DIR")
    return candidate


def run_suite(data: Path, *, backend: str, seeds: int, say: Say) -> dict[str, Any]:
    say(f"BANKING77 ({data / 'banking77'})")
    train, test = (read_labelled_csv(data / name) for name in BANKING77)
    banking = run_bench(train, test, backend=backend, seeds=seeds, say=say)
    say(f"CLINC150 ({data / CLINC150}): trained without out-of-scope, threshold on val")
    clinc = read_clinc(data / CLINC150)
    clinc150 = run_bench(
        clinc["train"],
        clinc["test"],
        val=clinc["val"],
        oos_label="oos",
        backend=backend,
        seeds=seeds,
        say=say,
    )
    say(f"Bitext ({data / BITEXT}): the explicit_request signal")
    bitext = run_check(data / BITEXT, backend, say)
    return {
        "backend": backend,
        "data": str(data),
        "banking77": banking,
        "clinc150": clinc150,
        "bitext_explicit_request": bitext,
        "published": PUBLISHED,
    }


def table(report: dict[str, Any]) -> str:
    """The headline figures, ours beside the published ones, for people to read."""
    b, c, x = report["banking77"], report["clinc150"], report["bitext_explicit_request"]
    p90, larson = c["oos"]["precision_90"], c["oos"]["larson"]
    words, nlu = x["words_only"], x["with_bot_nlu"]
    rows = [
        ("BANKING77 accuracy", f"{b['accuracy']:.2f}", PUBLISHED["banking77"]),
        ("BANKING77 macro-F1 / MCC", f"{b['macro_f1']:.2f} / {b['mcc']:.2f}", ""),
        ("BANKING77 ms per message (p95)",
         f"{b['ms_per_message']:.3f} ({b['ms_per_message_p95']:.3f})", ""),
        ("CLINC150 intent accuracy, no rejection", f"{c['accuracy']:.2f}", ""),
        ("CLINC150 in-scope acc / OOS recall, Larson",
         f"{larson['in_scope_accuracy']:.2f} / {larson['oos_recall']:.2f}",
         PUBLISHED["clinc150_threshold"]),
        ("", "", PUBLISHED["clinc150_oos_class"]),
        ("CLINC150 in-scope acc / OOS recall, prec>=.90",
         f"{p90['in_scope_accuracy']:.2f} / {p90['oos_recall']:.2f}", ""),
        ("  OOS precision / false-positive rate",
         f"{p90['oos_precision']:.2f} / {p90['oos_fpr']:.2f}", ""),
        ("CLINC150 OOS AUROC", f"{c['oos']['auroc']:.2f}", PUBLISHED["clinc150_auroc"]),
        ("Bitext person request recall / precision",
         f"{words['recall']} / {words['precision']}", "words only"),
        ("", f"{nlu['recall']} / {nlu['precision']}", "with the bot's NLU"),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    head = f"{'':{width}}  {'ours (' + report['backend'] + ')':>16}  published"
    lines = [head, "-" * len(head)]
    lines += [f"{name:{width}}  {ours:>16}  {theirs}".rstrip() for name, ours, theirs in rows]
    return "\n".join(lines)
