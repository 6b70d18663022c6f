"""#22: a sentence a user reads is never a bare string literal. Every message
handed to a user — a ValidationError, a form or row error, a flash message, a
refused file, a permission refusal — goes through gettext (or gettext_noop
when it is stored and worded later). An AST check over the views, forms,
services, selectors and importers; codes and log lines are not messages."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["programs", "sampling", "scoring", "followup", "reporting", "retention", "api"]
# Calls whose string arguments a user reads.
MESSAGE_CALLS = {
    "ValidationError",
    "PermissionDenied",
    "FileRejected",
    "RowError",
    "AllocationError",
    "add_error",
    "success",
    "error",
    "info",
    "warning",
    "HttpResponseBadRequest",
}
LOGGERS = {"logger", "log", "logging"}
# Checked module kinds: where user-facing messages are made.
KINDS = ("views", "forms", "services", "selectors", "importer.py", "allocation.py")


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or "/management/" in rel:
                continue
            if any(f"/{kind}" in rel or rel.endswith(kind) for kind in KINDS):
                yield rel, path


def _name(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_sentence(node) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(
            v.value
            for v in node.values
            if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    else:
        return False
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    return len(words) >= 2


def _bare_messages(tree) -> list[int]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _name(node.func) not in MESSAGE_CALLS:
            continue
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if _name(receiver) in LOGGERS:
            continue  # a log line is for the administrators, in English
        candidates = list(node.args) + [k.value for k in node.keywords]
        for arg in list(candidates):
            if isinstance(arg, ast.Dict):
                candidates += arg.values
            if isinstance(arg, ast.List | ast.Tuple):
                candidates += arg.elts
        found += [arg.lineno for arg in candidates if _is_sentence(arg)]
    return found


def test_messages_to_users_are_translatable():
    offenders = []
    for rel, path in _modules():
        for line in _bare_messages(ast.parse(path.read_text(), filename=rel)):
            offenders.append(f"{rel}:{line}")
    assert not offenders, "Wrap these messages in gettext:\n" + "\n".join(offenders)


def test_the_check_finds_a_bare_message():
    tree = ast.parse(
        "from django.core.exceptions import ValidationError\n"
        "def f():\n"
        "    raise ValidationError({'name': 'Give the name.'})\n"
        "def g(request):\n"
        "    messages.success(request, _('Saved.'))\n"
    )
    assert _bare_messages(tree) == [3]
