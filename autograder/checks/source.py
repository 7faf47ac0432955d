"""What a notebook's own code says a function calls: the judge's second witness for "NumPy only".

Whether a function calls Keras is watched while it runs (``probe_library.strict_call``), but
that watch runs in the student's process, which can switch it off. The judge also holds the
submitted notebook itself, as data: ``frameworks_in_source`` reads the cells that ran before a
test and names the frameworks that a function's code reaches, through the notebook's imports and
aliases (``import tensorflow as tf``, ``from keras import ops``, ``S = keras.activations.sigmoid``)
and the notebook's own functions it calls, at any depth. Code that imports or evaluates code at
run time (``__import__``, ``importlib``, ``eval``, ``exec``, ``sys.modules``) counts as a
framework of its own: NumPy code has no need of it.

Names bound to a call's result (``EPS = keras.config.epsilon()``) are values, not frameworks, so a
constant computed with Keras does not count; a determined student can hide a call that way, in
code that whoever reads the notebook sees.
"""

from __future__ import annotations

import ast

FRAMEWORKS = ("keras", "tensorflow", "jax", "jaxlib", "torch")
RUN_TIME_CODE = frozenset({"__import__", "importlib", "eval", "exec", "sys", "globals", "vars", "compile"})
DYNAMIC = "code loaded at run time"


def _parse(source: str) -> ast.Module | None:
    """A cell's code; IPython's magics and shell lines are dropped, a cell that does not parse is None."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _root(module: str | None) -> str:
    return (module or "").partition(".")[0]


def _bindings(statement: ast.stmt) -> list[tuple[str, bool]]:
    """(name, replaces) for each global name a top-level statement binds; ``replaces`` is False for
    a change to an existing object (``np.f = ...``), which adds to what the name reaches."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [(statement.name, True)]
    if isinstance(statement, ast.Import):
        return [((a.asname or a.name).partition(".")[0], True) for a in statement.names]
    if isinstance(statement, ast.ImportFrom):
        return [(a.asname or a.name, True) for a in statement.names if a.name != "*"]
    targets = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        targets = [statement.target]
    found = []
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                found.append((node.id, not isinstance(statement, ast.AugAssign)))
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            root = target
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                root = root.value
            if isinstance(root, ast.Name):
                found.append((root.id, False))
    return found


def _top_level(tree: ast.Module):
    """Top-level statements, with those inside top-level if/try/with/for blocks."""
    for statement in tree.body:
        yield statement
        if isinstance(statement, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            inner = ast.Module(body=[s for field in ("body", "orelse", "finalbody") for s in getattr(statement, field, [])]
                               + [s for handler in getattr(statement, "handlers", []) for s in handler.body],
                               type_ignores=[])
            yield from _top_level(inner)


def _local_names(function: ast.AST) -> set[str]:
    names = set()
    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = function.args
        names |= {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        names |= {a.arg for a in (args.vararg, args.kwarg) if a}
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def _imported_roots(node: ast.Import | ast.ImportFrom) -> set[str]:
    """The top-level packages an import statement imports from."""
    return {_root(a.name) for a in node.names} if isinstance(node, ast.Import) else {_root(node.module)}


def _reaches(statement: ast.stmt) -> tuple[set[str], set[str]]:
    """(frameworks the statement itself names, global names it refers to)."""
    frameworks: set[str] = set()
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return _imported_roots(statement) & set(FRAMEWORKS), set()
    value = getattr(statement, "value", None)
    if isinstance(statement, (ast.Assign, ast.AnnAssign)) and isinstance(value, ast.Call):
        parts: list[ast.AST] = [*value.args, *(k.value for k in value.keywords)]  # a call's result is a value
    else:
        parts = [statement]
    local = _local_names(statement)
    names: set[str] = set()
    for part in parts:
        for node in ast.walk(part):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                roots = _imported_roots(node)
                frameworks |= roots & set(FRAMEWORKS)
                if roots & RUN_TIME_CODE:
                    frameworks.add(DYNAMIC)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if node.id in RUN_TIME_CODE:
                    frameworks.add(DYNAMIC)
                elif node.id not in local:
                    names.add(node.id)
    return frameworks, names


def frameworks_in_source(cells: list[str], name: str) -> list[str]:
    """The frameworks that the global ``name``'s code reaches in these cells (run in this order)."""
    bound: dict[str, list[ast.stmt]] = {}
    for source in cells:
        tree = _parse(source)
        if tree is None:
            continue
        for statement in _top_level(tree):
            for target, replaces in _bindings(statement):
                bound[target] = [statement] if replaces else [*bound.get(target, []), statement]
    found: set[str] = set()
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for statement in bound.get(current, []):
            frameworks, names = _reaches(statement)
            found |= frameworks
            todo.extend(names - seen)
    return sorted(found)
