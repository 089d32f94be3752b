"""Derived measures: figures computed from a template's items (docs/template-format.md).

share    sum(part) / sum(whole)          the share of open questions: open / (open + closed)
rate     sum(count) / minutes observed   questions per minute
average  sum(weight * score) / sum(weight) over the answered items (a rubric domain's average)

A term counts a counter's number, a timed log's rows, or one per answer of a choice item (with
`equals`: one per answer among those values; a checklist: one per ticked value). Minutes observed
are a counter's number, or an interval item's intervals coded times their length.

Two readings of the same definition, which agree for one observation:
- `for_observation(document, answers)` — one visit (the visit page);
- `from_stats(measure, document, stats)` — a population in Analys, from the per-item sums it already
  has (observe.insights.aggregates.Stats): sums of the terms over all observations in the cell,
  an average of the items' mean scores. No query of its own.
"""
from __future__ import annotations

from .items import answer_rows
from .schemas import items_of, measure_items


def _term_count(term: dict, item: dict, value) -> float | None:
    """What one answer adds to a term (None: not answered)."""
    if value in (None, "", [], {}):
        return None
    kind = item["type"]
    if kind == "counter":
        return float(value)
    if kind == "timed_log":
        return float(len(value))
    picked = value if isinstance(value, list) else [value]
    if "equals" in term:
        return float(sum(1 for v in picked if v in _equals(term)))
    return float(len(picked)) if kind == "checklist" else 1.0


def _minutes(item: dict, value) -> float | None:
    if value in (None, "", [], {}):
        return None
    if item["type"] == "interval":
        return float(len(value) * item.get("interval_minutes", 2))
    return float(value)


def _items(document: dict) -> dict:
    return {item["key"]: item for item in items_of(document)}


def _averaged(measure: dict, document: dict) -> list[tuple[float, dict]]:
    """(weight, item) for an average: its items, or every scored item of its section."""
    return [(term.get("weight", 1), item) for term, item in measure_items(measure, document)]


def for_observation(document: dict, answers: dict) -> list[dict]:
    """[{measure, value}] for one observation's answers; value None when it cannot be computed."""
    by_key = _items(document)
    rows = answer_rows(document, answers)  # what was asked (hidden items left out), with scores
    asked = {row["item_key"] for row in rows}
    scores = {row["item_key"]: row["number"] for row in rows if row["item_type"] in ("scale", "yes_no")}

    def value_of(key):
        return (answers.get(key) or {}).get("value") if key in asked else None

    def total(terms):
        counts = [_term_count(t, by_key[t["item"]], value_of(t["item"])) for t in terms if t["item"] in by_key]
        counts = [c for c in counts if c is not None]
        return sum(counts) if counts else None

    out = []
    for measure in document.get("measures", []):
        value = None
        if measure["type"] == "share":
            part, whole = total(measure["part"]), total(measure["whole"])
            value = part / whole if part is not None and whole else None
        elif measure["type"] == "rate":
            count, item = total(measure["count"]), by_key.get(measure["minutes"])
            minutes = _minutes(item, value_of(item["key"])) if item else None
            value = count / minutes if count is not None and minutes else None
        else:
            weighted = [(w, scores[i["key"]]) for w, i in _averaged(measure, document) if scores.get(i["key"]) is not None]
            value = sum(w * s for w, s in weighted) / sum(w for w, _s in weighted) if weighted else None
        out.append({"measure": measure, "value": value})
    return out


def _equals(term: dict) -> list:
    """The counted answers; one given as a bare string is one answer, not its letters."""
    equals = term["equals"]
    return [equals] if isinstance(equals, str) else list(equals)


def _stats_count(term: dict, item: dict, stats) -> float:
    """A term summed over a population: its items' numbers, or the rows of the counted answers."""
    if "equals" in term:
        return float(sum(stats.by_choice.get(v, 0) for v in _equals(term)))
    if item["type"] in ("counter", "timed_log"):
        return stats.total
    return float(stats.rows)


def from_stats(measure: dict, document: dict, stats_of) -> float | None:
    """The measure over a population; `stats_of(key)` gives an item's Stats (None: no answers there)."""
    by_key = _items(document)
    if measure["type"] == "average":
        weighted = [(w, stats_of(i["key"]).mean) for w, i in _averaged(measure, document)
                    if stats_of(i["key"]) is not None and stats_of(i["key"]).mean is not None]
        return sum(w * m for w, m in weighted) / sum(w for w, _m in weighted) if weighted else None

    def total(terms):
        sums = [_stats_count(t, by_key[t["item"]], stats_of(t["item"])) for t in terms
                if t["item"] in by_key and stats_of(t["item"]) is not None]
        return sum(sums) if sums else None

    if measure["type"] == "share":
        part, whole = total(measure["part"]), total(measure["whole"])
        return part / whole if part is not None and whole else None
    count, item = total(measure["count"]), by_key.get(measure["minutes"])
    stats = stats_of(measure["minutes"]) if item else None
    if stats is None or count is None:
        return None
    minutes = stats.intervals * item.get("interval_minutes", 2) if item["type"] == "interval" else stats.total
    return count / minutes if minutes else None


def used_keys(measure: dict, document: dict) -> list[str]:
    """The items a measure is computed from (its cell is shown only when each of theirs is)."""
    return list(dict.fromkeys(item["key"] for _term, item in measure_items(measure, document)))
