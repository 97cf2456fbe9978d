"""How well reviewbot reads real agent files: statements of 13 public repositories' agent files
(``tests/data/agents-corpus/``), labelled by people reading them, against what ``reviewbot.agents``
makes of them.

    python3 benchmarks/agent_corpus.py            # the figures, by group (tuning, held-out)
    python3 benchmarks/agent_corpus.py --dump     # the statements to label, one file per repository

Labels live in ``tests/data/agents-corpus/labels/<owner>+<name>.json``, one entry per statement
(``path``, ``line``, ``text``; ``kind``; ``rules``: the rules whose findings enforce what it asks;
``against``: the rules it asks the opposite of; ``why``: why no rule can check it), plus ``missed``:
rules the reader found in the file that no statement holds. ``second-reader.json`` holds a fifth of
the statements labelled again, independently, for the agreement figure.

Precision of mappings: of the (statement, rule) pairs reviewbot maps, the share the labels hold.
Recall: of the statements labelled with at least one rule (checkable), the share to which reviewbot
maps at least one of those rules; a missed statement counts as not mapped. The held-out group was
drawn before any phrase was tuned (``sources.json``) and is reported on its own.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script from anywhere: reviewbot from this checkout (a test importing this module has it already).
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reviewbot.agents import Statement, coverage, discover, read_all  # noqa: E402
from reviewbot.packs import available_packs, load_pack  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "agents-corpus"
LABELS = CORPUS / "labels"
# The share of statements a second reader labels again.
SECOND_SHARE = 0.2
SEED = 22


def sources() -> list[dict[str, object]]:
    """The corpus's repositories: name, commit, license, files, group."""
    return list(json.loads((CORPUS / "sources.json").read_text()))


def statements_of(repo: str) -> list[Statement]:
    """What reviewbot reads in one repository's agent files, each statement once."""
    root = CORPUS / repo.replace("/", "+")
    return [s for _, found in read_all(root, discover(root)) for s in found]


def dump() -> None:
    """Write each repository's statements for the readers: a new file per repository, or the
    statements an existing file lacks added to it unlabelled (``kind: null``)."""
    LABELS.mkdir(exist_ok=True)
    every = []
    for entry in sources():
        repo = str(entry["repo"])
        rows = [
            {"path": s.path, "line": s.line, "text": s.text, "section": s.section, "details": list(s.details), "kind": None, "rules": [], "against": [], "why": ""}
            for s in statements_of(repo)
        ]
        every += [{"repo": repo, **row} for row in rows]
        target = LABELS / f"{repo.replace('/', '+')}.json"
        labels = json.loads(target.read_text()) if target.exists() else {"repo": repo, "statements": [], "missed": []}
        known = {(row["path"], row["line"]) for row in labels["statements"]}
        added = [row for row in rows if (row["path"], row["line"]) not in known]
        if added or not target.exists():
            labels["statements"] += added
            target.write_text(json.dumps(labels, indent=1, ensure_ascii=False) + "\n")
    sample = sorted(random.Random(SEED).sample(range(len(every)), round(len(every) * SECOND_SHARE)))
    target = LABELS / "second-reader.json"
    if not target.exists():
        target.write_text(json.dumps({"statements": [every[index] for index in sample]}, indent=1, ensure_ascii=False) + "\n")


@dataclass
class Tally:
    """Counts of one group: mappings and the right ones, checkable statements and the found ones."""

    mapped: int = 0
    right: int = 0
    checkable: int = 0
    found: int = 0
    statements: int = 0
    kinds_agree: int = 0
    wrong: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    unlabelled: list[str] = field(default_factory=list)
    # Statements against rules: reviewbot's (statement, rule) pairs, and those the labels hold.
    opposed: int = 0
    opposed_right: int = 0

    def precision(self) -> float:
        """The share of mappings the labels hold."""
        return self.right / self.mapped if self.mapped else 1.0

    def recall(self) -> float:
        """The share of checkable statements mapped to one of their rules."""
        return self.found / self.checkable if self.checkable else 1.0


def measure(only: str | None = None) -> dict[str, Tally]:
    """Precision and recall by group, and overall (of group ``only`` alone, when given)."""
    packs = [load_pack(name) for name in available_packs()]
    tallies = {"tuning": Tally(), "held-out": Tally(), "all": Tally()}
    for entry in sources():
        repo = str(entry["repo"])
        if only is not None and entry["group"] != only:
            continue
        labels = json.loads((LABELS / f"{repo.replace('/', '+')}.json").read_text())
        by_place = {(row["path"], row["line"]): row for row in labels["statements"]}
        for tally in (tallies[str(entry["group"])], tallies["all"]):
            for c in coverage(statements_of(repo), packs):
                s = c.statement
                row = by_place.get((s.path, s.line))
                if row is None:
                    tally.unlabelled.append(f"{repo} {s.path}:{s.line} {s.kind}: {s.text[:90]}")
                    continue
                tally.statements += 1
                tally.kinds_agree += row["kind"] == s.kind
                if row["kind"] != s.kind:
                    tally.kinds.append(f"{repo} {s.path}:{s.line} labelled {row['kind']}, read {s.kind} ({s.cue}): {s.text[:80]}")
                labelled = set(row["rules"])
                tally.opposed += len(c.against)
                tally.opposed_right += len(set(row.get("against", [])) & set(c.against))
                tally.mapped += len(c.rules)
                tally.right += len(labelled & set(c.rules))
                tally.wrong += [f"{repo} {s.path}:{s.line} {rule}: {s.text[:90]}" for rule in sorted(set(c.rules) - labelled)]
                if labelled:
                    tally.checkable += 1
                    if labelled & set(c.rules):
                        tally.found += 1
                    else:
                        tally.lost.append(f"{repo} {s.path}:{s.line} {sorted(labelled)}: {s.text[:90]}")
            # A statement the readers found checkable that reviewbot no longer reads is not found.
            read = {(s.path, s.line) for s in statements_of(repo)}
            for row in labels["statements"]:
                if row["rules"] and (row["path"], row["line"]) not in read:
                    tally.checkable += 1
                    tally.lost.append(f"{repo} {row['path']}:{row['line']} (not read) {row['rules']}: {row['text'][:90]}")
            for missed in labels.get("missed", []):
                # A statement the readers missed and reviewbot now reads is counted as read.
                if missed.get("rules") and (missed["path"], missed["line"]) not in read:
                    tally.checkable += 1
                    tally.lost.append(f"{repo} {missed['path']}:{missed['line']} (missed) {missed['rules']}: {missed.get('text', '')[:90]}")
    return tallies


def agreement() -> tuple[int, int, int, int]:
    """Of the second reader's statements: how many, how many with the same rules, the same kind,
    and the same checkable-or-not verdict as the first reader's."""
    second = json.loads((LABELS / "second-reader.json").read_text())["statements"]
    first = {}
    for entry in sources():
        repo = str(entry["repo"])
        for row in json.loads((LABELS / f"{repo.replace('/', '+')}.json").read_text())["statements"]:
            first[(repo, row["path"], row["line"])] = row
    same_rules = same_kind = same_verdict = 0
    for row in second:
        other = first[(row["repo"], row["path"], row["line"])]
        same_rules += set(row["rules"]) == set(other["rules"])
        same_kind += row["kind"] == other["kind"]
        same_verdict += bool(row["rules"]) == bool(other["rules"])
    return len(second), same_rules, same_kind, same_verdict


def main() -> None:
    """Dump the statements to label, or print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump", action="store_true", help="write the statements to label (existing label files are kept)")
    parser.add_argument("--verbose", action="store_true", help="list every wrong mapping and every checkable statement not found")
    parser.add_argument("--group", choices=("tuning", "held-out"), help="only this group's figures and lists (tune on `tuning` alone)")
    args = parser.parse_args()
    if args.dump:
        dump()
        return
    tallies = measure(args.group)
    print("| group | statements | kind agrees | mappings | right | precision | checkable | found | recall |")
    print("|---|---|---|---|---|---|---|---|---|")
    for group, t in tallies.items():
        if not t.statements:
            continue
        print(
            f"| {group} | {t.statements} | {t.kinds_agree / t.statements:.0%} | {t.mapped} | {t.right} | {t.precision():.1%} | {t.checkable} | {t.found} | {t.recall():.1%} |"
        )
    whole = tallies["all"]
    print(f"\nstatements against a rule: {whole.opposed} (statement, rule) pairs read, {whole.opposed_right} of them labelled so")
    if args.group is None and (LABELS / "second-reader.json").exists():
        count, rules, kinds, verdicts = agreement()
        print(f"\nsecond reader: {count} statements; same rules {rules / count:.0%}, same kind {kinds / count:.0%}, same checkable-or-not {verdicts / count:.0%}")
    if args.verbose:
        print("\nwrong mappings:", *tallies["all"].wrong, sep="\n  ")
        print("\ncheckable, not found:", *tallies["all"].lost, sep="\n  ")
        print("\nkinds that differ:", *tallies["all"].kinds, sep="\n  ")
    if tallies["all"].unlabelled:
        print("\nstatements without a label (label them: --dump adds them to the files):", *tallies["all"].unlabelled, sep="\n  ")


if __name__ == "__main__":
    main()
