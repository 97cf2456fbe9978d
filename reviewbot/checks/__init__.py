"""The rule families. Add a family by listing its check class here."""

from __future__ import annotations

from reviewbot.checks.annotations import AnnotationChecks
from reviewbot.checks.base import Check
from reviewbot.checks.comments import CommentChecks
from reviewbot.checks.errors import ErrorChecks
from reviewbot.checks.imports import ImportChecks
from reviewbot.checks.meta import META_RULES
from reviewbot.model import Option, Rule

# Every check class, in the order their callbacks run on a node.
CHECKS: tuple[type[Check], ...] = (ImportChecks, ErrorChecks, AnnotationChecks, CommentChecks)

# Every rule reviewbot knows, by id.
RULES: dict[str, Rule] = {rule.id: rule for rule in (*META_RULES, *(r for c in CHECKS for r in c.rules))}

# Every rule option, by its config key.
OPTIONS: dict[str, Option] = {option.key: option for rule in RULES.values() for option in rule.options}
