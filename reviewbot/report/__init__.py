"""Sinks: one module per output format, each a pure ``render(findings, run) -> str``.

``base`` holds what they share (the ``Renderer`` protocol and the ``Run`` they render),
``registry`` finds them by name. This package module imports nothing, so that importing one
format loads only that format.
"""
