"""Merge-request mode: findings as discussions on the diff, one summary note, a Code Quality report."""
