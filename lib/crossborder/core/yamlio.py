"""Reading the workbook's YAML and text files defensively: one line naming the file for anything that is not
a small UTF-8 text file of plain YAML.

``read_text`` refuses what is not a regular file (a directory, a FIFO, a device: checked before opening, so
nothing blocks), files over ``MAX_BYTES``, binary and UTF-16 content. ``load_yaml`` parses with
``StrictLoader``: the safe YAML subset, duplicate mapping keys refused, ``.inf``/``.nan`` refused, nesting and
the size of the document *after alias expansion* bounded (a "billion laughs" alias bomb is refused before
anything walks it).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from crossborder.core.errors import InputError
from crossborder.core.paths import relative
from crossborder.core.text import brief_repr

MAX_BYTES = 2 * 1024 * 1024          # a scenario or fact file is a few tens of kB
MAX_NODES = 200_000                  # values in a document once aliases are expanded
MAX_DEPTH = 40                       # nesting of mappings and lists


def read_text(path: Path, what: str = "file", max_bytes: int = MAX_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes``; otherwise one InputError naming it."""
    path = Path(path)
    MAX_BYTES = max_bytes  # noqa: N806 - the limit in force for this file
    where = relative(path)
    try:
        if not path.exists():
            raise InputError(f"{where}: {what} not found")
        if not path.is_file():  # follows links: a link to /dev/zero or a FIFO is not a regular file
            raise InputError(f"{where}: expected a regular {what}, found a directory, device or pipe")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{where}: expected a {what} of at most {MAX_BYTES // 1024} kB, found {size // 1024} kB")
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{where}: cannot read the {what} ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise InputError(f"{where}: expected a {what} of at most {MAX_BYTES // 1024} kB, found more")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in data:
        raise InputError(f"{where}: expected a UTF-8 text {what}, found binary or UTF-16 content")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: expected a UTF-8 text {what}, found a byte that is not UTF-8 at offset {exc.start}") from None


class _Refused(yaml.YAMLError):
    def __init__(self, problem: str, mark: Any = None) -> None:
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


class StrictLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader without duplicate keys, infinities or NaN, and with bounded expansion."""

    def construct_document(self, node: yaml.Node) -> Any:
        _check_size(node)
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = self.construct_object(key_node, deep=deep)
                try:
                    duplicate = key in seen
                except TypeError:
                    continue
                if duplicate:
                    raise _Refused(f"duplicate key {brief_repr(key)} (each key once per mapping)", key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        value = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise _Refused(f"a finite number, found {brief_repr(node.value)}", node.start_mark)
        return value


StrictLoader.add_constructor("tag:yaml.org,2002:float", StrictLoader.construct_yaml_float)  # type: ignore[type-var]
StrictLoader.add_constructor("tag:yaml.org,2002:map", StrictLoader.construct_yaml_map)  # type: ignore[type-var]


def _check_size(root: yaml.Node) -> None:
    """Count the values the document holds with aliases expanded (memoised per node: cheap even for a bomb)."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise _Refused(f"at most {MAX_DEPTH} levels of nesting", node.start_mark)
        if id(node) in sizes:
            return sizes[id(node)]
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(v, depth + 1) for v in node.value)
        else:
            total = 1
        if total > MAX_NODES:
            raise _Refused(f"at most {MAX_NODES:,} values (aliases expanded), found more", node.start_mark)
        sizes[id(node)] = total
        return total

    size(root, 0)


def load_yaml(text: str, path: Path) -> Any:
    """Parse ``text`` (the content of ``path``) with ``StrictLoader``; one InputError naming file and line."""
    where = relative(Path(path))
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - StrictLoader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}:" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if isinstance(exc, _Refused):
            raise InputError(f"{where}:{at} expected {problem}") from None
        raise InputError(f"{where}:{at} expected valid YAML, found a syntax error ({problem})") from None
    except RecursionError:
        raise InputError(f"{where}: expected at most {MAX_DEPTH} levels of nesting, found far more") from None


def read_yaml(path: Path, what: str = "file") -> Any:
    """``load_yaml(read_text(path))``."""
    return load_yaml(read_text(path, what), path)
