"""RB7xx: code that hands an attacker the shell, the interpreter, the database or the connection."""

from __future__ import annotations

import re
from collections.abc import Callable

from reviewbot.lazy import libcst as cst

from reviewbot.checks.base import FileContext, Rule, argument, bindings_in_scope, is_builtin, is_constant, is_literal, keyword
from reviewbot.checks.clients import Clients
from reviewbot.imports import dotted_name
from reviewbot.model import Example

# Functions that run a command line through the shell when told to (``shell=True``).
SUBPROCESS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen"})
# Functions that always run their argument through the shell.
ALWAYS_SHELL = frozenset({"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"})


class ShellInjection(Rule):
    """RB701: a command line built at run time and handed to the shell."""

    id = "RB701"
    name = "shell-injection"
    summary = "`subprocess` with `shell=True`, or `os.system`/`os.popen`, running a command line built from values."
    why = (
        "The shell reads its command line as a program: a value spliced into it (a file name, a branch, "
        "a user's input) that holds `;`, `$(...)` or a quote runs commands of its own. A list of "
        "arguments without `shell=True` passes each value as one argument, whatever it holds. Only "
        "command lines built from values (an f-string, `%`, `.format()`, `+`, `join`), in the call or "
        "in a local variable, are reported: a command line passed through whole (a setting, a "
        "parameter that is a command by design) is the caller's to judge."
    )
    bad = (
        Example("import subprocess\n\ndef archive(name):\n    subprocess.run(f\"tar czf {name}.tgz {name}\", shell=True)\n", lines=(4,)),
        Example("import os\n\ndef ping(host):\n    os.system(\"ping -c 1 \" + host)\n", lines=(4,)),
        Example("from subprocess import check_output\n\ndef show(ref):\n    command = \"git show %s\" % ref\n    return check_output(command, shell=True)\n", lines=(5,)),
    )
    good = (
        Example("import subprocess\n\ndef archive(name):\n    subprocess.run([\"tar\", \"czf\", f\"{name}.tgz\", name], check=True)\n"),
        Example("import subprocess\n\nBUILD = \"make all\"\n\ndef build():\n    subprocess.run(BUILD, shell=True, check=True)\n"),
        Example("import os\n\ndef clear():\n    os.system(\"clear\")\n"),
        Example("import subprocess\n\ndef page(pager, text):\n    subprocess.run(pager, shell=True, input=text, check=True)\n"),
    )
    peers = "Ruff S602/S605 (flake8-bandit; they also flag constant commands)"
    noqa = ("S602", "S604", "S605")

    def visit_Call(self, node: cst.Call) -> None:
        """A shell call whose command line is built from values, here or in a local variable."""
        name = self.ctx.imports.resolve(node.func)
        if name in SUBPROCESS:
            shell = keyword(node, "shell")
            if not (isinstance(shell, cst.Name) and shell.value == "True"):
                return
            fix = "pass a list of arguments and drop `shell=True`"
        elif name in ALWAYS_SHELL:
            fix = "use `subprocess.run([...], check=True)` with a list of arguments"
        else:
            return
        command = argument(node, 0, "args" if name in SUBPROCESS else "cmd")
        if command is None:
            return
        how = through_locals(self.ctx, command, built_string)
        if how is not None:
            self.report(node, f"`{name}()` runs a command line built with {how} through the shell: {fix} (or quote each value with `shlex.quote`)")


def through_locals(ctx: FileContext, node: cst.BaseExpression, judge: Callable[[cst.BaseExpression], str | None]) -> str | None:
    """``judge`` of an expression, or of what a name holding it was assigned (``query = f"..."``)."""
    found = judge(node)
    if found is None and isinstance(node, cst.Name):
        found = next((how for binding in bindings_in_scope(ctx, node.value) if binding.value is not None and (how := judge(binding.value))), None)
    return found


# Methods of import loaders (``importlib.abc.Loader``), which run the code of the module they load.
LOADER_METHODS = frozenset({"exec_module", "load_module"})


class EvalExec(Rule):
    """RB702: the builtin ``eval`` or ``exec``."""

    id = "RB702"
    name = "eval-exec"
    summary = "A call of the builtin `eval` or `exec`."
    why = (
        "`eval` and `exec` run whatever text reaches them with the program's rights. Data is parsed "
        "(`json.loads`, `ast.literal_eval`, `int()`), behaviour is chosen from a mapping of functions; "
        "code that really must build code is rare enough to carry a suppression comment saying why. "
        "Code written out in the source, and an import loader's `exec_module`, are not reported."
    )
    bad = (
        Example("def total(expression):\n    return eval(expression)\n", lines=(2,)),
        Example("def load(source):\n    namespace = {}\n    exec(source, namespace)\n    return namespace\n", lines=(3,)),
    )
    good = (
        Example("import ast\n\ndef parse(text):\n    return ast.literal_eval(text)\n"),
        Example("from app.sandbox import eval\n\ndef run(expression):\n    return eval(expression)\n"),
        Example("class Model:\n    def eval(self):\n        return self\n\ndef f(model):\n    return model.eval()\n"),
        Example("exec(\"def reraise(tp, value):\\n    raise value\\n\")\n"),
    )
    peers = "Ruff S307 (eval only), pylint W0123/W0122"
    noqa = ("S102", "S307")

    def visit_Call(self, node: cst.Call) -> None:
        """A call of the builtin itself, not of something of the same name, on code not fixed in the source."""
        name = is_builtin(self.ctx, node.func, frozenset({"eval", "exec"}))
        code = argument(node, 0, "source")
        if name is None or code is None or is_constant(self.ctx, code):
            return
        scope = self.ctx.scope
        if name == "exec" and scope is not None and scope.node.name.value in LOADER_METHODS:
            return  # an import loader runs the module it loads: that is its job
        instead = "parse data with `json.loads` or `ast.literal_eval`" if name == "eval" else "call the functions themselves, chosen from a mapping"
        self.report(node, f"`{name}()` runs whatever code it is given: {instead}; where running code is the point (a shell, a plugin), say so with `# noqa: RB702`")


# Loaders of PyYAML that build only plain data.
SAFE_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader", "SafeConstructor", "BaseConstructor"})
# Deserializers that can run code chosen by whoever wrote the data.
UNSAFE = {
    "yaml.unsafe_load": "use `yaml.safe_load()`",
    "yaml.unsafe_load_all": "use `yaml.safe_load_all()`",
    "pickle.load": "store the data as JSON, or load only data this program wrote and signed",
    "pickle.loads": "store the data as JSON, or load only data this program wrote and signed",
    "pickle.Unpickler": "store the data as JSON, or load only data this program wrote and signed",
    "marshal.load": "use JSON; `marshal` is for Python's own bytecode",
    "marshal.loads": "use JSON; `marshal` is for Python's own bytecode",
    "shelve.open": "store the data as JSON or in `sqlite3`; a shelf is pickles",
}


class UnsafeDeserialization(Rule):
    """RB703: data loaded by a deserializer that can build any object."""

    id = "RB703"
    name = "unsafe-deserialization"
    summary = "`yaml.load` without a safe loader, `yaml.unsafe_load`, `pickle.load(s)`, `marshal.load(s)`, `shelve.open`."
    why = (
        "Pickle, marshal and PyYAML's full loaders rebuild whatever objects the data names, and "
        "rebuilding an object can run any function: whoever can write the data can run code in the "
        "program. `yaml.safe_load` and JSON build only plain data."
    )
    bad = (
        Example("import yaml\n\ndef read(text):\n    return yaml.load(text, Loader=yaml.Loader)\n", lines=(4,)),
        Example("import yaml\n\ndef read(text):\n    return yaml.load(text)\n", lines=(4,)),
        Example("import pickle\n\ndef restore(blob):\n    return pickle.loads(blob)\n", lines=(4,)),
        Example("import yaml\n\ndef read(text):\n    return yaml.load(text, getattr(yaml, 'CLoader', yaml.SafeLoader))\n", lines=(4,)),
        Example("import yaml\n\ndef read(text):\n    return yaml.load(text, yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.Loader)\n", lines=(4,)),
        Example("from yaml import unsafe_load\n\ndef read(stream):\n    return unsafe_load(stream)\n", lines=(4,)),
        Example("from yaml import Loader, load\n\nclass Loader(Loader):\n    pass\n\ndef read(text):\n    return load(text, Loader)\n", lines=(7,)),
    )
    good = (
        Example("import yaml\n\ndef read(text):\n    return yaml.safe_load(text)\n"),
        Example("import yaml\n\ndef read(text):\n    return yaml.load(text, Loader=yaml.CSafeLoader)\n"),
        Example("from yaml import SafeLoader, load\n\ndef read(text):\n    return load(text, SafeLoader)\n"),
        Example("import yaml\n\ndef read(text):\n    return yaml.load(text, getattr(yaml, 'CSafeLoader', yaml.SafeLoader))\n"),
        Example("import yaml\n\ndef read(text):\n    return yaml.load(text, yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)\n"),
        Example("import yaml\n\nclass Strict(yaml.SafeLoader):\n    pass\n\ndef read(text):\n    return yaml.load(text, Loader=Strict)\n"),
        Example("import json\n\ndef restore(blob):\n    return json.loads(blob)\n"),
    )
    peers = "Ruff S301 (pickle), S506 (yaml.load); bandit B301/B506"
    noqa = ("S301", "S506")

    def visit_Call(self, node: cst.Call) -> None:
        """An unsafe loader, or ``yaml.load(_all)`` whose loader is not a safe one."""
        name = self.ctx.imports.resolve(node.func)
        if name in ("yaml.load", "yaml.load_all"):
            loader = argument(node, 1, "Loader")
            if loader is not None and self._safe_loader(loader):
                return
            self.report(node, f"`{name}()` without a safe loader can build any Python object: use `yaml.safe_load{name[9:]}()`")
        elif name in UNSAFE:
            data = argument(node, 0, "data")
            # ``pickle.loads(pickle.dumps(x))``: a copy of an object of this program, no outside data.
            if isinstance(data, cst.Call) and (self.ctx.imports.resolve(data.func) or "").endswith(("pickle.dumps", "marshal.dumps")):
                return
            self.report(node, f"`{name}()` can run code chosen by whoever wrote the data: {UNSAFE[name]}")

    def _safe_loader(self, loader: cst.BaseExpression, seen: frozenset[str] = frozenset()) -> bool:
        """A safe loader of PyYAML, or a class of this module derived from one (``seen``: the
        classes followed so far, so that ``class Loader(Loader)`` ends)."""
        # ``yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader``: both safe.
        if isinstance(loader, cst.IfExp):
            return self._safe_loader(loader.body, seen) and self._safe_loader(loader.orelse, seen)
        # ``getattr(yaml, "CSafeLoader", yaml.SafeLoader)``: the C loader when PyYAML has it.
        if isinstance(loader, cst.Call) and is_builtin(self.ctx, loader.func, frozenset({"getattr"})) and len(loader.args) == 3:
            attribute, default = loader.args[1].value, loader.args[2].value
            named = isinstance(attribute, cst.SimpleString) and str(attribute.evaluated_value) in SAFE_LOADERS
            return named and self._safe_loader(default, seen)
        name = self.ctx.imports.resolve(loader) or dotted_name(loader) or ""
        if name.rpartition(".")[2] in SAFE_LOADERS:
            return True
        if not isinstance(loader, cst.Name) or loader.value in seen:
            return False
        classes = (s for s in self.ctx.module.body if isinstance(s, cst.ClassDef) and s.name.value == loader.value)
        return any(self._safe_loader(base.value, seen | {loader.value}) for definition in classes for base in definition.bases)


# A name that holds a secret: the words, as the last parts of the name (``db_password``,
# ``SECRET_KEY``, ``apiKey``); ``token_url`` and ``password_field`` name something else.
SECRET_NAME = re.compile(r"(?:^|_)(?:password|passwd|secret|token|api_?key|private_key|access_key|secret_key)$")
# Values that are no secret: references, placeholders, templates, URLs and prose.
NOT_A_SECRET = re.compile(r"^(?:\$\{.*\}|<.*>|\{.*\}|%\(.*\)s|\*+|x+|\.+)$|://|\s|^/", re.IGNORECASE)


# Words only (letters and separators), and a word of a secret among them: a label, not a value.
LABEL = re.compile(r"[A-Za-z_\-. ]+")
SECRET_WORD = re.compile(r"pass|token|secret|key", re.IGNORECASE)


def secret_name(name: str) -> bool:
    """Whether ``name`` (any case style) ends in one of the words of a secret."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    return SECRET_NAME.search(snake) is not None


def secret_value(node: cst.BaseExpression | None, name: str) -> bool:
    """A non-empty string written in the code that looks like a value, not a reference to one."""
    if not isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return False
    value = node.evaluated_value
    if not isinstance(value, str) or not value:
        return False
    # ``TOKEN = "token"``: a key or a field name, not the secret itself.
    plain = re.sub(r"[-_ ]", "", value).lower()
    if plain in re.sub(r"_", "", name).lower() or NOT_A_SECRET.search(value) is not None:
        return False
    # ``"Passwords"``, ``"_password_reset_token"``, ``"set-password"``: a label or a key naming the secret.
    return not (LABEL.fullmatch(value) and SECRET_WORD.search(value))


class HardcodedSecret(Rule):
    """RB704: a password, token or key written into the code."""

    id = "RB704"
    name = "hardcoded-secret"
    summary = "A string literal assigned, defaulted or passed as keyword to a name such as `password`, `token`, `api_key`, `secret`."
    why = (
        "A secret in the code is in every clone, fork, backup and log of the repository, and changing it "
        "means a commit and a release. Secrets come from the environment or a secrets manager. Test "
        "files, empty strings, placeholders (`<token>`, `${TOKEN}`), URLs, labels (`\"Passwords\"`), "
        "a password equal to the login of the same call (a development service's default) and names "
        "that end in something else (`token_url`, `password_field`) are not reported; the value is "
        "never printed."
    )
    bad = (
        Example('DB_PASSWORD = "hunter2-prod"\n', lines=(1,)),
        Example('def connect(host, api_key="sk-live-4f9a2b"):\n    return host, api_key\n', lines=(1,)),
        Example('import app.client as client\n\nsession = client.connect(user="svc", password="s3cr3t!")\n', lines=(3,)),
        Example('class Settings:\n    def __init__(self):\n        self.secretKey = "0f8e7d6c"\n', lines=(3,)),
    )
    good = (
        Example('import os\n\nDB_PASSWORD = os.environ["DB_PASSWORD"]\n'),
        Example('import os\n\nTOKEN = os.getenv("TOKEN", "")\n'),
        Example('TOKEN_URL = "https://auth.example.com/token"\npassword_field = "password"\n'),
        Example('API_KEY = "<your key here>"\n'),
        Example('RESOURCE_PASSWORD = "Passwords"\nRESET_TOKEN = "_password_reset_token"\n'),
        Example('import app.db as db\n\nDEFAULT = db.Connection(login="airflow", password="airflow")\n'),
        Example('def test_login():\n    password = "hunter2"\n    assert password\n', path="tests/test_login.py"),
    )
    peers = "Ruff S105/S106/S107 (flake8-bandit; they match the word anywhere in the name)"
    noqa = ("S105", "S106", "S107")

    def _check(self, name: str, value: cst.BaseExpression | None, node: cst.CSTNode) -> None:
        if secret_name(name) and secret_value(value, name):
            self.report(node, f"`{name}` is given a secret written in the code: read it from the environment or a secrets manager")

    def visit_Assign(self, node: cst.Assign) -> None:
        """``password = "..."``, ``self.token = "..."``."""
        for target in node.targets:
            name = dotted_name(target.target)
            if name is not None:
                self._check(name.rpartition(".")[2], node.value, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        """``password: str = "..."``."""
        name = dotted_name(node.target)
        if name is not None:
            self._check(name.rpartition(".")[2], node.value, node)

    def visit_Param(self, node: cst.Param) -> None:
        """``def f(token="...")``."""
        if node.default is not None:
            self._check(node.name.value, node.default, node)

    def visit_Call(self, node: cst.Call) -> None:
        """``connect(password="...")``; a password equal to the login of the same call
        (``login="airflow", password="airflow"``) is a well-known default of a development
        service, not a secret."""
        values = [str(arg.value.evaluated_value).casefold() for arg in node.args if arg.keyword is not None and isinstance(arg.value, cst.SimpleString)]
        for arg in node.args:
            if arg.keyword is None:
                continue
            value = str(arg.value.evaluated_value).casefold() if isinstance(arg.value, cst.SimpleString) else None
            if value is not None and values.count(value) > 1:
                continue
            self._check(arg.keyword.value, arg.value, arg)


# SQL a query holds: a statement's keywords, or a keyword and the one that must follow it.
SQL = re.compile(r"\b(?:insert\s+into|delete\s+from|create\s+(?:table|index|view)|drop\s+(?:table|index|view)|alter\s+table|where)\b", re.IGNORECASE)
SQL_PAIRS = ((re.compile(r"\bselect\b", re.IGNORECASE), re.compile(r"\bfrom\b", re.IGNORECASE)), (re.compile(r"\bupdate\b", re.IGNORECASE), re.compile(r"\bset\b", re.IGNORECASE)))


def holds_sql(text: str) -> bool:
    """Whether ``text`` reads as SQL (each search scans the text once: no backtracking over it)."""
    if SQL.search(text):
        return True
    for first, then in SQL_PAIRS:
        start = first.search(text)
        if start is not None and then.search(text, start.end()):
            return True
    return False
# Methods and functions that send their first argument to the database as SQL.
EXECUTE_METHODS = frozenset({"execute", "executemany", "executescript"})
TEXT_FUNCTIONS = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"})


def string_text(node: cst.BaseExpression) -> str | None:
    """The text of a string literal (plain or concatenated), else ``None``."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def built_string(node: cst.BaseExpression) -> str | None:
    """How a string is built from values at run time, if it is: ``an f-string``, ``% formatting``..."""
    if isinstance(node, (cst.FormattedString, cst.ConcatenatedString)) and not is_literal(node):
        return "an f-string"
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo) and string_text(node.left) is not None:
        return "`%` formatting"
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add) and not (is_literal(node.left) and is_literal(node.right)):
        if any(string_text(part) is not None or isinstance(part, cst.FormattedString) for part in operands(node)):
            return "`+` concatenation"
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and string_text(node.func.value) is not None:
        if node.func.attr.value == "format":
            return "`.format()`"
        if node.func.attr.value == "join":
            return "`join`"
    return None


def operands(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The operands of a chain of ``+``, left to right."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return operands(node.left) + operands(node.right)
    return [node]


# A ``%`` placeholder (``%s``, ``%(name)s``, ``%05d``); ``%%`` is a percent sign.
PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%%")
# A ``str.format`` field (``{}``, ``{0}``, ``{name}``); ``{{`` is a brace.
FIELD = re.compile(r"\{(?P<key>[^{}!:]*)[^{}]*\}|\{\{|\}\}")


def interpolations(node: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression | None]]:
    """(the text before it, the value) for each value a built string splices in; ``None`` where
    the value cannot be told (``"..." % values``)."""
    found: list[tuple[str, cst.BaseExpression | None]] = []
    if isinstance(node, cst.FormattedString):
        # ``f"... {value} ..."``: each expression, after the literal text before it.
        text = ""
        for piece in node.parts:
            if isinstance(piece, cst.FormattedStringText):
                text += piece.value
            elif isinstance(piece, cst.FormattedStringExpression):
                found.append((text, piece.expression))
    elif isinstance(node, cst.ConcatenatedString):
        found = interpolations(node.left) + [(string_parts(node.left) + before, value) for before, value in interpolations(node.right)]
    elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
        # ``"... %s ... %(name)s" % values``: placeholders pair with a tuple's items in order, or
        # with a dict literal's values by key.
        text = string_text(node.left) or ""
        right = node.right
        values = [element.value for element in right.elements] if isinstance(right, cst.Tuple) else [right]
        keyed = {string_text(e.key): e.value for e in right.elements if isinstance(e, cst.DictElement)} if isinstance(right, cst.Dict) else {}
        for index, match in enumerate(m for m in PERCENT.finditer(text) if m.group() != "%%"):
            value = keyed.get(match["key"]) if match["key"] is not None else values[index] if index < len(values) and not keyed else None
            found.append((text[: match.start()], value))
    elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        # ``"... '" + name + "'"``: each operand that is no literal is a value, after the text so far.
        text = ""
        for operand in operands(node):
            literal = string_text(operand)
            if literal is not None:
                text += literal
            elif isinstance(operand, cst.FormattedString):
                found.extend((text + before, value) for before, value in interpolations(operand))
                text += string_parts(operand)
            else:
                found.append((text, operand))
    elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
        # ``"... {} ... {name}".format(a, name=b)``: fields pair with arguments by position or name.
        text = string_text(node.func.value) or ""
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        index = 0
        for match in FIELD.finditer(text):
            if match.group() in ("{{", "}}"):
                continue
            key = match["key"]
            if key == "":
                value = positional[index] if index < len(positional) else None
                index += 1
            else:
                value = positional[int(key)] if key.isdecimal() and int(key) < len(positional) else keywords.get(key)
            found.append((text[: match.start()], value))
    elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "join":
        # ``", ".join(parts)``: where the parts go in the SQL is unknown.
        found.append(("", node))
    return found


def string_parts(node: cst.BaseExpression) -> str:
    """The literal text of a string expression (values spliced in left out)."""
    if isinstance(node, cst.FormattedString):
        return "".join(part.value for part in node.parts if isinstance(part, cst.FormattedStringText))
    if isinstance(node, cst.ConcatenatedString):
        return string_parts(node.left) + string_parts(node.right)
    return string_text(node) or ""


def literal_text(node: cst.BaseExpression) -> str:
    """All the literal text a built string is made of."""
    if isinstance(node, cst.BinaryOperation):
        return literal_text(node.left) + " " + literal_text(node.right)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        return literal_text(node.func.value)
    return string_parts(node)


# Where a spliced value is a value (a bind parameter would do): inside single quotes, after a
# comparison (double-quoted too: MySQL's strings), in ``IN (...)`` or ``VALUES (...)``, after
# ``LIMIT``/``OFFSET``. Elsewhere it is an identifier (``"table"``, ``t."column"``: SQL's quoted
# names) or a piece of SQL, which no parameter can carry.
VALUE_POSITION = re.compile(r"""(?:'|(?:[=<>]|\bin\s*\([^)]*|\bvalues\s*\([^)]*|\blimit|\boffset)\s*"?)\s*\Z""", re.IGNORECASE)
# Calls whose result is safe to splice: quoted identifiers, compiled statements, numbers.
SAFE_CALLS = frozenset({"quote_name", "quote_ident", "quote_identifier", "Identifier", "compile", "int", "float", "len"})


def safe_value(node: cst.BaseExpression | None, ctx: FileContext) -> bool:
    """A value that cannot carry SQL: a number, a quoted identifier, ``", ".join(["%s"] * n)``
    (its parts placeholder rows themselves: ``"(" + ",".join(["%s"] * k) + ")"``), literals joined
    with ``+``, a list of such values, or a name bound only to such values."""
    if isinstance(node, (cst.Integer, cst.Float)) or (node is not None and is_literal(node)):
        return True
    if isinstance(node, cst.Name):
        bindings = bindings_in_scope(ctx, node.value)
        return bool(bindings) and all(b.value is not None and not isinstance(b.value, cst.Name) and safe_value(b.value, ctx) for b in bindings)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return safe_value(node.left, ctx) and safe_value(node.right, ctx)
    if isinstance(node, (cst.List, cst.Tuple)):
        return all(isinstance(element, cst.Element) and safe_value(element.value, ctx) for element in node.elements)
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    if name in SAFE_CALLS:
        return True
    # Placeholders: ``", ".join(["%s"] * len(keys))``, ``",".join("?" * n)``, ``",".join([row] * n)``.
    if name == "join" and node.args and isinstance(node.args[0].value, cst.BinaryOperation) and isinstance(node.args[0].value.operator, cst.Multiply):
        product = node.args[0].value
        return safe_value(product.left, ctx) or is_literal(product.right)
    return False


def built_query(node: cst.BaseExpression, ctx: FileContext) -> str | None:
    """How a SQL string is built with a value spliced where a parameter belongs, if it is."""
    how = built_string(node)
    if how is None or how == "`join`" or not holds_sql(literal_text(node)):
        return None
    if any(VALUE_POSITION.search(before) and not safe_value(value, ctx) for before, value in interpolations(node)):
        return how
    return None


class SqlInjection(Rule):
    """RB705: SQL built from values by string formatting and sent to the database."""

    id = "RB705"
    name = "sql-injection"
    summary = "`.execute()`/`.executemany()`/`text()` given SQL built with an f-string, `%`, `.format()` or `+`."
    why = (
        "A value formatted into SQL is read as SQL: a quote in it ends the string and the rest runs "
        "as a statement. Drivers take the values separately (`cursor.execute(\"... WHERE id = %s\", "
        "(order_id,))`, SQLAlchemy's `text(\"... :id\")` with parameters) and send them as data. "
        "Only values spliced where a parameter belongs are reported (inside quotes, after a "
        "comparison, in `IN (...)`/`VALUES (...)`, after `LIMIT`): table and column names cannot be "
        "parameters, and numbers, `quote_name(...)` and placeholder lists (`\", \".join([\"%s\"] * n)`) "
        "are safe. A query held in a local variable is followed to the strings assigned to it. "
        "Schema migrations (`**/*migrations/**`) run the program's own SQL and are not judged."
    )
    bad = (
        Example('def find(cursor, name):\n    cursor.execute(f"SELECT * FROM users WHERE name = \'{name}\'")\n', lines=(2,)),
        Example('def find(db, order_id):\n    query = "DELETE FROM orders WHERE id = %s" % order_id\n    db.execute(query)\n', lines=(3,)),
        Example('from sqlalchemy import text\n\ndef find(session, name):\n    return session.execute(text("SELECT id FROM users WHERE name = \'" + name + "\'"))\n', lines=(4,)),
    )
    good = (
        Example('def find(cursor, name):\n    cursor.execute("SELECT * FROM users WHERE name = %s", (name,))\n'),
        Example('from sqlalchemy import text\n\ndef find(session, name):\n    return session.execute(text("SELECT id FROM users WHERE name = :name"), {"name": name})\n'),
        Example('def log(logger, name):\n    logger.execute(f"greet {name}")\n'),
        Example('def drop(cursor, table, keys):\n    cursor.execute("DELETE FROM %s WHERE id IN (%s)" % (table, ", ".join(["%s"] * len(keys))), keys)\n'),
        Example(
            "def update(cursor, meta, rows, width, params):\n"
            '    row = "(" + ",".join(["%s"] * width) + ")"\n'
            '    values = ",".join([row] * len(rows))\n'
            '    cursor.execute(f\'UPDATE "{meta.db_table}" AS t SET x = v.c1 FROM (VALUES {values}) AS v WHERE t."{meta.pk}" = v.c0\', params)\n'
        ),
        Example('from sqlalchemy import text\n\ndef first(session, table):\n    return session.execute(text(f"SELECT * FROM {table} LIMIT 1"))\n'),
    )
    peers = "Ruff S608 (flake8-bandit; any string that looks like SQL, wherever it goes)"
    noqa = ("S608",)

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        from reviewbot.globs import Globs

        super().__init__(ctx, analyses)
        # Schema migrations run the program's own SQL, with no outside values.
        self.migration = Globs(["**/*migrations/**"]).match(ctx.path)

    def visit_Call(self, node: cst.Call) -> None:
        """A query argument built by formatting, directly or through a local variable."""
        if self.migration:
            return
        func = node.func
        is_execute = isinstance(func, cst.Attribute) and func.attr.value in EXECUTE_METHODS
        called = "." + func.attr.value if isinstance(func, cst.Attribute) else ""
        if not is_execute:
            if self.ctx.imports.resolve(func) not in TEXT_FUNCTIONS:
                return
            called = "text"
        query = argument(node, 0, "statement")
        if query is None:
            return
        how = through_locals(self.ctx, query, lambda value: built_query(value, self.ctx))
        if how is not None:
            self.report(node, f"`{called}()` is given SQL built with {how}: pass the values as query parameters (and quote identifiers with the driver's quoting)")


class TlsVerificationDisabled(Rule):
    """RB706: ``verify=False`` for an HTTP client."""

    id = "RB706"
    name = "tls-verification-disabled"
    summary = "`verify=False` in `requests`/`httpx` calls and clients, or `session.verify = False`."
    why = (
        "Without certificate verification anyone on the network path can answer in the server's name "
        "and read or change what is sent, credentials included. A private certificate authority is "
        "trusted with `verify=\"/path/to/ca.pem\"`, not by turning verification off."
    )
    bad = (
        Example('import requests\n\ndef fetch(url):\n    return requests.get(url, verify=False, timeout=5)\n', lines=(4,)),
        Example('import httpx\n\nclient = httpx.Client(verify=False)\n', lines=(3,)),
        Example('import requests\n\nsession = requests.Session()\nsession.verify = False\n', lines=(4,)),
    )
    good = (
        Example('import requests\n\ndef fetch(url):\n    return requests.get(url, verify="/etc/ssl/internal-ca.pem", timeout=5)\n'),
        Example('def fetch(tool, url):\n    return tool.get(url, verify=False)\n'),
    )
    needs = (Clients,)
    peers = "Ruff S501 (flake8-bandit)"
    noqa = ("S501",)

    def visit_Call(self, node: cst.Call) -> None:
        """``verify=False`` passed to a function of, or a method of a client from, requests/httpx."""
        verify = keyword(node, "verify")
        if not (isinstance(verify, cst.Name) and verify.value == "False"):
            return
        name = self.ctx.imports.resolve(node.func)
        if name is None and isinstance(node.func, cst.Attribute):
            name = self.analysis(Clients).type_of(node.func.value)
        if name is not None and name.partition(".")[0] in ("requests", "httpx"):
            self.report(node, f"`verify=False` turns off TLS certificate checks for `{name.partition('.')[0]}`: pass `verify=` the path of the CA bundle to trust instead")

    def visit_Assign(self, node: cst.Assign) -> None:
        """``session.verify = False`` on a requests/httpx client."""
        if not (isinstance(node.value, cst.Name) and node.value.value == "False"):
            return
        for target in node.targets:
            if isinstance(target.target, cst.Attribute) and target.target.attr.value == "verify":
                owner = self.analysis(Clients).type_of(target.target.value)
                if owner is not None and owner.partition(".")[0] in ("requests", "httpx"):
                    self.report(node, f"`verify = False` turns off TLS certificate checks for this `{owner}`: set it to the path of the CA bundle to trust instead")
