"""Rule documentation generated from the declarations: ``reviewbot explain``, ``rules`` and docs/rules.md."""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml

from reviewbot.checks.base import ANCHORS, Rule
from reviewbot.config import Settings
from reviewbot.escape import markdown, printable
from reviewbot.model import Option
from reviewbot.packs import RuleSpec
from reviewbot.written import WrittenRule, describe


def policy(spec: RuleSpec) -> str:
    """``error``, ``warning, not in tests`` or ``info, off by default, preview``."""
    status = spec.rule.status
    off = "" if spec.enabled and status != "preview" else ", off by default"
    return spec.severity.label + ("" if spec.in_tests else ", not in tests") + off + ("" if status == "stable" else f", {status}")


def _option_default(settings: Settings, key: str) -> list[str]:
    """An option's default for display, in full (users read it to know what is covered): one line,
    or a line per entry for a mapping."""
    value = settings.options.get(key)
    if isinstance(value, list):
        return ["[" + ", ".join(value) + "]"]
    if isinstance(value, dict):
        return [f"{name}: {_entry(entry)}" for name, entry in value.items()] or ["{}"]
    return [repr(value)]


def _entry(entry: object) -> str:
    """One value of a mapping option (a client type's description) on one line."""
    if not isinstance(entry, dict):
        return str(entry)
    parts = []
    for key, value in entry.items():
        if isinstance(value, list):
            value = ", ".join(value) or "none"
        elif isinstance(value, dict):
            value = ", ".join(f"{k} → {v}" for k, v in value.items())
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


def _options_text(rule: type[Rule], settings: Settings) -> list[str]:
    """The Options section of ``explain``: each option, its help, and its default in full."""
    lines = []
    for option in rule.options:
        default = _option_default(settings, option.key)
        lines.append(f"  {option.key}\n      {option.help}")
        if len(default) == 1:
            lines.append(textwrap.fill(f"default {default[0]}", 96, initial_indent="      ", subsequent_indent="        "))
        else:
            lines.append("      default:")
            lines += [textwrap.fill(line, 96, initial_indent="        ", subsequent_indent="            ") for line in default]
    return lines


def explain(spec: RuleSpec, settings: Settings) -> str:
    """The full text of one rule, as ``reviewbot explain`` prints it.

    The headings follow Ruff's rule pages (what it does, why is this bad, example, use instead,
    options); the examples are the rule's own, which the test suite runs.
    """
    rule = spec.rule
    lines = [f"{rule.id} {rule.name} [{policy(spec)}]" + (" [fixable with --fix]" if rule.fixable else "")]
    if spec.quote:
        lines.append(f'Agent rule: "{printable(spec.quote)}"')
    if rule.status == "preview":
        lines.append(f"Preview: runs only when a config or --select names {rule.id} itself.")
    elif rule.status == "deprecated":
        lines.append("Deprecated: it still runs as configured; the text below says what replaces it.")
    lines += ["", "What it does", textwrap.indent(textwrap.fill(rule.summary, 96), "  ")]
    lines += ["", "Why is this bad?", textwrap.indent(textwrap.fill(rule.why, 96), "  ")]
    if issubclass(rule, WrittenRule):
        # A config's check: what it matches, where, the statement it enforces, and every example.
        lines += ["", f"The check (config `checks[{rule.check.index}]`)", *describe(rule.check)]
    else:
        lines += _examples_text(rule)
    lines += ["", f"In changed-lines mode (anchor `{rule.anchor}`): reported when {ANCHORS[rule.anchor]}."]
    if rule.options:
        lines += ["", "Options", *_options_text(rule, settings)]
    if rule.peers:
        lines += ["", f"Related rules elsewhere: {rule.peers}"]
    theirs = f" (Ruff's and flake8's {', '.join(f'`{code}`' for code in rule.noqa)} count too)" if rule.noqa else ""
    # ``# noqa:`` takes rule codes only; a check's id goes in ``ignore[...]``.
    noqa = "" if issubclass(rule, WrittenRule) else f" or `# noqa: {rule.id}`"
    lines += ["", f"Suppress on a line with `# reviewbot: ignore[{rule.id}]`{noqa}{theirs}."]
    return "\n".join(lines) + "\n"


def _examples_text(rule: type[Rule]) -> list[str]:
    """The examples of ``explain``: only the first of each kind (`docs/rules.md` shows them all)."""
    lines = []
    if rule.example_config:
        lines += ["", "The examples assume this config", textwrap.indent(yaml.safe_dump(rule.example_config, sort_keys=False).rstrip(), "    ")]
    if rule.bad:
        lines += ["", f"Example ({rule.id} reports this, file {rule.bad[0].path})", textwrap.indent(rule.bad[0].code.rstrip("\n"), "    ")]
    if rule.bad and rule.bad[0].fixed is not None:
        lines += ["", "After --fix", textwrap.indent(rule.bad[0].fixed.rstrip("\n"), "    ")]
    if rule.good:
        lines += ["", "Use instead", textwrap.indent(rule.good[0].code.rstrip("\n") or "(an empty file)", "    ")]
    return lines


def rules_text(settings: Settings) -> str:
    """``reviewbot rules``: one line per rule."""
    cells = []
    for rule_id in sorted(settings.specs):
        spec = settings.specs[rule_id]
        quote = f'"{spec.quote}"' if spec.quote else ""
        cells.append((rule_id, spec.rule.name, policy(spec), "fix" if spec.rule.fixable else "", quote))
    # Each column as wide as its longest cell (a plugin's ids and names may be longer than the built-in ones).
    widths = [max(len(row[column]) for row in cells) for column in range(4)]
    rows = ["  ".join(cell.ljust(width) for cell, width in zip(row, [*widths, 0])).rstrip() for row in cells]
    return "\n".join(rows) + "\n"


def rules_table(settings: Settings) -> str:
    """The Markdown table of every rule (README and docs/rules.md)."""
    rows = ["| id | name | severity | fix | agent rule |", "|---|---|---|---|---|"]
    for rule_id in sorted(settings.specs):
        spec = settings.specs[rule_id]
        anchor = f"rules.md#{rule_id.lower()}-{spec.rule.name}"
        fixable = "yes" if spec.rule.fixable else ""
        rows.append(f"| [{rule_id}](docs/{anchor}) | {spec.rule.name} | {policy(spec)} | {fixable} | {spec.quote or '—'} |")
    return "\n".join(rows) + "\n"


def rules_markdown(settings: Settings) -> str:
    """docs/rules.md: the table, then every rule in full with its examples."""
    # Anchors within the page instead of links to docs/rules.md from the README.
    parts = [
        "# Rules\n",
        "Generated by `reviewbot rules --format markdown` from the rule declarations and the "
        "`backend-engineer` pack; do not edit by hand.\n",
        rules_table(settings).replace("](docs/rules.md#", "](#"),
    ]
    for rule_id in sorted(settings.specs):
        spec = settings.specs[rule_id]
        rule = spec.rule
        parts.append(f"## {rule_id} {rule.name}\n")
        parts.append(f"*{policy(spec)}*" + (" · autofix with `--fix`" if rule.fixable else "") + "\n")
        if spec.quote:
            parts.append(f"> {spec.quote}\n")
        parts.append(f"**What it does.** {rule.summary}\n\n**Why is this bad?** {rule.why}\n")
        # The config the examples need, shown before them (RB502's layers).
        if rule.example_config:
            parts.append(f"The examples assume this config:\n\n```yaml\n{yaml.safe_dump(rule.example_config, sort_keys=False).rstrip()}\n```\n")
        # Every example, so the page documents exactly what the tests hold the rule to.
        for title, examples in (("Flagged", rule.bad), ("Not flagged", rule.good)):
            for example in examples:
                code = example.code.rstrip("\n") or "# (an empty file)"
                parts.append(f"{title} (`{example.path}`):\n\n```python\n{code}\n```\n")
                if example.fixed is not None:
                    parts.append(f"After `--fix`:\n\n```python\n{example.fixed.rstrip()}\n```\n")
        parts.append(f"**In changed-lines mode** (anchor `{rule.anchor}`): reported when {ANCHORS[rule.anchor]}.\n")
        # Option defaults come from the pack, as a scan without config would use them.
        if rule.options:
            parts.append("Options:\n\n" + "".join(_option_markdown(o, settings) for o in rule.options))
        if rule.peers:
            parts.append(f"Related: {rule.peers}.\n")
    return "\n".join(parts)


def _option_markdown(option: Option, settings: Settings) -> str:
    """One option in docs/rules.md: key, help, and its default in full."""
    default = _option_default(settings, option.key)
    if len(default) == 1:
        return f"- `{option.key}` (default `{default[0]}`): {option.help}\n"
    return f"- `{option.key}`: {option.help} Default:\n" + "".join(f"  - `{line.partition(': ')[0]}`: {line.partition(': ')[2]}\n" for line in default)


def settings_text(settings: Settings, root: Path) -> str:
    """``scan --show-settings``: what a scan of ``root`` would apply, and where it came from."""
    lines = [f"repository: {printable(str(root))}", f"config: {printable(settings.source)}"]
    roots = ", ".join(f"{name} ({path}/)" for name, path in settings.project.roots.items())
    lines.append(f"root packages: {printable(roots) or 'none found (imports.roots names them)'}")
    lines.append(f"fail-on: {settings.fail_on.label if settings.fail_on is not None else 'never'}")
    lines.append("rules:")
    lines += [f"  {rule}  {settings.specs[rule].rule.name:<30} {policy(settings.specs[rule])}" for rule in sorted(settings.selected)]
    lines.append('not product code (rules "not in tests" skip it; RB000-RB002 still apply):')
    lines += [f"  {origin}: {printable(', '.join(patterns))}" for origin, patterns in settings.scope.items()]
    lines.append(f"exclude: {printable(', '.join(settings.exclude.patterns)) or '(nothing)'}")
    for globs, rules in settings.per_file_ignores:
        lines.append(f"per-file-ignores: {printable(', '.join(globs.patterns))}: {', '.join(sorted(rules))}")
    lines.append('files a tool wrote ("Generated by", "DO NOT EDIT" in their first lines): only RB000-RB002, unless the change adds them')
    if settings.plugins:
        lines.append("plugins: " + ", ".join(f"{name} {identity.split()[0]}" for name, identity in settings.plugins.items()))
    return "\n".join(lines) + "\n"
