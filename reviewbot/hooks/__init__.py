"""``reviewbot hook AGENT``: tell a coding agent about broken rules while it writes.

Coding agents run hooks with one event as JSON on standard input, and each has its own event
shape and its own way of handing text back to the model. An adapter (one module per agent in
``adapters/``, registered by being there) turns its agent's event into an ``Event`` (an edit of
some files, the agent wanting to stop, or nothing to check) and the findings into the agent's
reply, and declares where ``reviewbot init`` writes its hooks; everything between is shared: the
same session as ``scan --diff HEAD`` on the changed lines, told once per agent session, within a
budget of findings and characters. A failure of reviewbot itself exits 1: the user sees it, the
agent is never trapped, and it is never mistaken for a rule violation.

The modules, each importing only those above it:

- ``protocol``: ``HookOptions``, ``Event``, ``Reply``, ``Install`` and the ``Adapter`` base class;
- ``adapters``: one module per agent, and ``ADAPTERS``, the registry of them by name;
- ``state`` (what a session was told) and ``message`` (the text the model reads);
- ``answer``: ``run``, the reply to one event;
- ``command``: the ``reviewbot hook`` command, shared by the command line and the hook server.

This module imports none of them, so that an adapter importing ``protocol`` imports nothing back.
"""
