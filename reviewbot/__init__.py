"""reviewbot: enforce the rules an AI coding agent was given, deterministically, with LibCST."""

__version__ = "0.7.0"
