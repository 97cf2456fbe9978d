"""Which packages the wheel holds; everything else is in pyproject.toml.

Every package under ``reviewbot/`` is found rather than listed, so a new subpackage cannot be left
out of the wheel. The rule packs live in ``rules/`` at the top of the repository and ship as
``reviewbot.rules``; ``[tool.setuptools.packages.find]`` cannot add such a mapped package to what it
finds, which is why these lines are Python.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["reviewbot", "reviewbot.*"]), "reviewbot.rules"])
