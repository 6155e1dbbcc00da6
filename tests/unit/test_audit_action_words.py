"""Every action anbu writes to the audit log has its words for the audit page: the actions
are found by reading the code (each `….audit.record(actor, ACTION, …)`, following a
name to the constants it is given), so that a new action without words fails here."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from anbu.adapters import catalogue
from anbu.entrypoints.web.audit_entries import action_words

WORDS = catalogue.entries(catalogue.KOREAN)

SOURCE = Path(__file__).parents[2] / "src" / "anbu"


def written_actions() -> set[str]:
    found: set[str] = set()
    for path in sorted(SOURCE.rglob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        for function, call in _records(module):
            action = call.args[1] if len(call.args) > 1 else _keyword(call, "action")
            assert action is not None, f"{path}: an audit record without its action"
            values = _values(action, function, module)
            assert values, f"{path}:{call.lineno}: cannot tell which action is written"
            found |= values
    return found


def _records(module: ast.Module) -> Iterator[tuple[ast.FunctionDef | None, ast.Call]]:
    """Each `<x>.audit.record(...)` call, with the function it is in."""
    functions = [n for n in ast.walk(module) if isinstance(n, ast.FunctionDef)]
    for function in [None, *functions]:
        for node in _own(module if function is None else function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr == "audit"
            ):
                yield function, node


def _own(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of `scope`, not those of the functions defined within it."""
    for child in ast.iter_child_nodes(scope):
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield child
            yield from _own(child)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _values(node: ast.expr, function: ast.FunctionDef | None, module: ast.Module) -> set[str]:
    """The actions `node` can be: a constant; `a if c else b`; a name assigned constants
    in its function, or a parameter given constants by the module's calls of the function;
    `f"prefix.{name}"` with the constants `name` can be (less those it is checked `!=`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _values(node.body, function, module) | _values(node.orelse, function, module)
    if isinstance(node, ast.JoinedStr):
        prefix = "".join(str(p.value) for p in node.values if isinstance(p, ast.Constant))
        (part,) = [p for p in node.values if isinstance(p, ast.FormattedValue)]
        assert isinstance(part.value, ast.Name)
        names = _name_values(part.value.id, function, module) - _excluded(part.value.id, function)
        return {prefix + value for value in names}
    if isinstance(node, ast.Name):
        return _name_values(node.id, function, module)
    return set()


def _name_values(name: str, function: ast.FunctionDef | None, module: ast.Module) -> set[str]:
    if function is None:
        return set()
    found: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            found |= _values(node.value, function, module) or _returned(node.value, module)
    parameters = [a.arg for a in function.args.args]
    if name in parameters or name in [a.arg for a in function.args.kwonlyargs]:
        found |= _given(function.name, name, parameters, module)
    return found


def _returned(value: ast.expr, module: ast.Module) -> set[str]:
    """The constants a module's function returns, for `name = function(...)`."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
        return set()
    called = [
        n for n in ast.walk(module) if isinstance(n, ast.FunctionDef) and n.name == value.func.id
    ]
    return {
        r.value.value
        for function in called
        for r in ast.walk(function)
        if isinstance(r, ast.Return)
        and isinstance(r.value, ast.Constant)
        and isinstance(r.value.value, str)
    }


def _given(function: str, name: str, parameters: list[str], module: ast.Module) -> set[str]:
    found: set[str] = set()
    for call in (n for n in ast.walk(module) if isinstance(n, ast.Call)):
        if not (isinstance(call.func, ast.Name) and call.func.id == function):
            continue
        position = parameters.index(name) if name in parameters else len(call.args)
        argument = call.args[position] if position < len(call.args) else _keyword(call, name)
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            found.add(argument.value)
    return found


def _excluded(name: str, function: ast.FunctionDef | None) -> set[str]:
    """Constants the name is checked against with `!=` (`if outcome != "unchanged":`)."""
    if function is None:
        return set()
    return {
        c.comparators[0].value
        for c in ast.walk(function)
        if isinstance(c, ast.Compare)
        and isinstance(c.left, ast.Name)
        and c.left.id == name
        and isinstance(c.ops[0], ast.NotEq)
        and isinstance(c.comparators[0], ast.Constant)
        and isinstance(c.comparators[0].value, str)
    }


def test_the_code_is_read_for_its_actions() -> None:
    """The reading finds the kinds of writing the code does: a constant, a name given by
    its callers (cases), a choice (pauses) and a formatted family (accounts, officers)."""
    actions = written_actions()

    assert {"report.viewed", "login.failed"} <= actions
    assert {"alert.acknowledged", "alert.resolved"} <= actions
    assert {"subject.pause_ended", "subject.pause_removed"} <= actions
    assert {"account.created", "account.updated", "officer.created"} <= actions
    assert "officer.unchanged" not in actions


def test_every_action_written_has_its_words() -> None:
    missing = sorted(a for a in written_actions() if f"audit.action.{a}" not in WORDS)

    assert missing == []


def test_every_action_worded_is_still_written() -> None:
    """No words are kept for an action nothing writes any more."""
    worded = {key.removeprefix("audit.action.") for key in WORDS if key.startswith("audit.action.")}

    assert sorted(worded - written_actions()) == []


def test_an_action_reads_in_words_in_either_language() -> None:
    assert action_words("report.viewed", "ko") == "보고서 열람"
    assert action_words("report.viewed", "en") == "Report viewed"
    # An action the log holds from elsewhere (a test, a restored copy) shows its code.
    assert action_words("test.bulk", "ko") == "test.bulk"
