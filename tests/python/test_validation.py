"""Published measurements (data/validation/cases.json) recomputed through the library.

A case fails when its prediction leaves its accepted band (predicted / measured), when it
moves more than 0.5% from the value recorded in the file (a model change must update the
file, and docs/validation.md with it), when an open gap closes (update the file: the case
then holds to its band), or when docs/validation.md no longer shows the case's error.
`python3 tests/python/test_validation.py --update` rewrites the recorded predictions.
"""
import json
import pathlib
import sys

import pytest

import moesim

ROOT = pathlib.Path(__file__).resolve().parents[2]
CASES_FILE = ROOT / "data" / "validation" / "cases.json"
DOC = ROOT / "docs" / "validation.md"
CASES = json.loads(CASES_FILE.read_text())["cases"]
MOVE = 0.005  # the largest unrecorded move of a prediction


def field(report, dotted):
    value = report
    for key in dotted.split("."):
        value = value[key]
    return value


def run(estimate):
    kwargs = dict(estimate)
    for key in ("model", "hw"):  # files named from the repository root; presets by name
        if kwargs.get(key, "").endswith(".json"):
            kwargs[key] = str(ROOT / kwargs[key])
    return moesim.estimate(**kwargs)


def predict(case):
    """The case's value and whether every design it ran fits its devices."""
    reports = [run(t["estimate"]) for t in case["terms"]]
    total = sum(t.get("times", 1) * field(r, t["field"]) for t, r in zip(case["terms"], reports))
    if "per" in case:
        numerator = field(reports[0], case["per"]["field"])
    else:
        numerator = case.get("numerator")
    value = (numerator / total if numerator is not None else total) / case.get("devices", 1)
    return value, all(r["feasible"] for r in reports)


def error_text(ratio):
    """The error as docs/validation.md writes it: +1.5%, −29.7% (a true minus sign)."""
    pct = round(100 * (ratio - 1), 1)
    return ("+" if pct >= 0 else "\u2212") + f"{abs(pct):.1f}%"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_published_case(case):
    value, feasible = predict(case)
    recorded = case["predicted"]
    assert value == pytest.approx(recorded, rel=MOVE), (
        f"{case['id']}: {value:.6g} moved from the recorded {recorded:.6g}: update {CASES_FILE.name} and docs/validation.md")
    assert feasible == case.get("expect_feasible", True), f"{case['id']}: feasible is now {feasible}"
    ratio = value / case["measured"]
    low, high = case["band"]
    inside = low <= ratio <= high
    if "open" in case and case.get("expect_feasible", True):
        assert not inside, f"{case['id']}: the open gap closed (ratio {ratio:.3f}): drop `open`, the case now holds to its band"
    else:
        assert inside, f"{case['id']}: predicted / measured = {ratio:.3f}, outside its band [{low}, {high}]"
    row = next((line for line in DOC.read_text().splitlines() if line.startswith(f"| {case['id']} ")), None)
    assert row is not None, f"docs/validation.md has no row for {case['id']}"
    assert error_text(recorded / case["measured"]) in row, f"docs/validation.md's row {case['id']} does not show {error_text(ratio)}"


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    document = json.loads(CASES_FILE.read_text())
    for case in document["cases"]:
        case["predicted"], _ = predict(case)
        print(f"{case['id']}: {case['predicted']:.6g} ({error_text(case['predicted'] / case['measured'])})")
    CASES_FILE.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
