"""YAML in and out: strict, fast reading, and edits that leave the rest of a file alone.

Reading (:func:`load_yaml`, :func:`read_yaml_file`) is on the hot path: ``plan`` and ``check``
read every project request, so it uses PyYAML's C loader when it is there. It is strict because
PyYAML's default silently keeps the *last* of two equal keys, so a request with ``cidr`` written
twice would be allocated whatever came second; here every duplicate is an error, all reported at
once, each naming the key, both lines and the mapping it is in. Only plain data is accepted (the
safe loader: standard tags only); anything wrong becomes a located :class:`ConfigError`.

Editing (:func:`set_value`, :func:`delete_value`, :func:`edit_file`) is what onboarding and
offboarding use to record a project's allocation in the request file its owners wrote, so the
owners' comments, key order, quoting and blank lines must survive and a reviewer's diff must show
only the lines that changed. ruamel.yaml's round-trip mode keeps most of that, but it attaches a
comment to the token *before* it, so appending a key after a mapping's last entry lands the new
lines below the blank line and comment that introduce the *next* section, and deleting an entry
takes that comment with it. Edits are therefore spliced into the original text at the lines the
(PyYAML) node marks point to, with the new lines rendered by ruamel.yaml in the file's own
indentation; ruamel's whole-document round trip is the fallback for shapes the splice does not
handle (flow mappings, anchors and aliases on the way, emptied mappings). Whatever produced it,
an edit's result is read back with :func:`load_yaml` and must equal the original data with
exactly that one change, or nothing is returned.
"""

from __future__ import annotations

import bisect
import io
import math
import os
import re
import stat
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import yaml

from aifactory.core.errors import ConfigError, FactoryError, Problem

if TYPE_CHECKING:  # ruamel.yaml is imported only when a file is edited (it costs ~30 ms)
    from ruamel.yaml import YAML

__all__ = [
    "MAX_FILE_BYTES",
    "StrictSafeLoader",
    "delete_value",
    "edit_file",
    "load_yaml",
    "read_yaml_file",
    "set_value",
]

MAX_FILE_BYTES = 256 * 1024
"""Request and stack files are small; anything bigger is a mistake or an attack, not config."""

_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_YAML12_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")

# --- reading ----------------------------------------------------------------------------------

_FastSafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictSafeLoader(_FastSafeLoader):
    """PyYAML's safe loader (the C one when available) that refuses keys written twice and reads
    booleans as YAML 1.2 does.

    Booleans: PyYAML follows YAML 1.1, where ``yes``, ``no``, ``on`` and ``off`` are booleans; the
    Pulumi CLI (Go, YAML 1.2) reads them as strings. A stack file the plan accepted would then hand
    the program ``"yes"`` on ``pulumi up``. Reading only ``true``/``false`` (any case YAML 1.2
    allows) as booleans makes the plan see what the deployment will see: ``firewall: yes`` is the
    string ``"yes"``, which a boolean setting refuses with a located error.

    The check runs on the composed node tree, before construction, rather than in
    ``construct_mapping``: the constructor flattens merge keys (``<<:``) into the very node lists
    it would check, so a key overridden after a merge would look duplicated, and it does not know
    where in the document a mapping is. Walking the tree first sees only what was written, names
    the path of every mapping, and reports every duplicate in one error.
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        problems = _duplicate_keys(self, node)
        if problems:
            raise ConfigError(problems=problems)
        return self.construct_document(node)


for _first in "tTfF":
    StrictSafeLoader.add_implicit_resolver(_BOOL_TAG, _YAML12_BOOL, [_first])


def _duplicate_keys(loader: Any, root: yaml.Node) -> list[Problem]:
    """A problem for every key written a second time in the same mapping, in document order.

    Keys are compared as constructed values (``1`` and ``0x1`` collide, ``1`` and ``"1"`` do
    not), exactly as the dictionary being built would compare them. Keys brought in by a merge
    are not compared: overriding them is what merging is for.
    """
    found: list[tuple[int, int, Problem]] = []
    visited: set[int] = set()
    stack: list[tuple[yaml.Node, str | None]] = [(root, None)]
    while stack:
        node, where = stack.pop()
        if id(node) in visited:  # an alias: checked where its anchor was written
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, yaml.Node] = {}
            children: list[tuple[yaml.Node, str | None]] = []
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    children.append((value_node, where))
                    continue
                label = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                if isinstance(key_node, yaml.ScalarNode):
                    key = loader.construct_object(key_node)
                    try:
                        earlier = first.setdefault(key, key_node)
                    except TypeError:  # unhashable: the constructor reports it
                        earlier = key_node
                    if earlier is not key_node:
                        line, column = key_node.start_mark.line, key_node.start_mark.column
                        message = (
                            f"duplicate key {key!r} at line {line + 1}"
                            f" (first at line {earlier.start_mark.line + 1})"
                        )
                        found.append((line, column, Problem(message, None, where)))
                children.append((value_node, f"{where}.{label}" if where else str(label)))
            stack.extend(reversed(children))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(
                (item, f"{where or ''}[{index}]") for index, item in reversed(list(enumerate(node.value)))
            )
    return [problem for _, _, problem in sorted(found, key=lambda entry: entry[:2])]


def _load(text: str) -> Any:
    """Parse ``text`` strictly; errors are ConfigErrors that do not yet name a file."""
    loader = StrictSafeLoader(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or "malformed YAML"
        if problem.startswith("but ") and error.context:  # "expected a single document ..., but found ..."
            problem = f"{error.context}, {problem}"
        if problem.startswith("could not determine a constructor for the tag "):
            tag = problem.removeprefix("could not determine a constructor for the tag ")
            problem = f"tag {tag} is not allowed; only plain data (standard tags) is"
        raise ConfigError(f"malformed YAML{where}: {problem}") from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow
        position = error.position
        if _FastSafeLoader is not yaml.SafeLoader:  # libyaml counts bytes of the UTF-8 encoding
            position = len(text.encode("utf-8")[:position].decode("utf-8", "ignore"))
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        character = error.character if isinstance(error.character, int) else ord(text[position])
        raise ConfigError(
            f"malformed YAML at line {line}, column {column}: unacceptable character #x{character:04x}"
        ) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"malformed YAML: {error}") from None
    except (ValueError, OverflowError) as error:  # e.g. a timestamp with month 13
        raise ConfigError(f"malformed YAML: invalid value: {error}") from None
    except RecursionError:  # only the pure-Python loader recurses; libyaml caps nesting itself
        raise ConfigError("malformed YAML: nested too deeply") from None
    finally:
        loader.dispose()


def load_yaml(text: str, *, source: str) -> Any:
    """The plain data in one YAML document; every problem is a ConfigError naming ``source``.

    Duplicate keys are errors (all of them in one ConfigError, one Problem each, located by the
    dotted path of their mapping), so what the file says is never silently half-read.
    """
    try:
        return _load(text)
    except ConfigError as error:
        raise error.located(file=source) from None


def _read_text(path: Path, max_bytes: int, *, shown: str) -> tuple[str, os.stat_result]:
    """The file's text and its stat, refusing what is not a small, regular UTF-8 file.

    ``stat`` follows symlinks (a link to a request file is fine) and turns a dangling link or a
    loop into "cannot read file"; only regular files are opened, so a FIFO or device cannot
    block or flood the reader; at most ``max_bytes + 1`` bytes are read even if the file grows.
    """
    try:
        info = path.stat()
    except OSError as error:
        raise ConfigError(f"cannot read file: {error.strerror or error}", file=shown) from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError("cannot read file: not a regular file", file=shown)
    if info.st_size > max_bytes:
        raise ConfigError(f"file is {info.st_size} bytes; the limit is {max_bytes}", file=shown)
    try:
        with open(path, "rb") as stream:
            data = stream.read(max_bytes + 1)
            if len(data) > max_bytes:
                size = max(os.fstat(stream.fileno()).st_size, len(data))
                raise ConfigError(f"file is {size} bytes; the limit is {max_bytes}", file=shown)
    except OSError as error:
        raise ConfigError(f"cannot read file: {error.strerror or error}", file=shown) from None
    try:
        return data.decode("utf-8"), info
    except UnicodeDecodeError:
        raise ConfigError("file is not UTF-8 text", file=shown) from None


def read_yaml_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """The plain data in a YAML file; any failure is a ConfigError naming the file."""
    text, _ = _read_text(path, max_bytes, shown=str(path))
    return load_yaml(text, source=str(path))


# --- comparing and changing plain data -------------------------------------------------------

_MISSING: Any = object()


def _same(left: Any, right: Any) -> bool:
    """Equal as YAML data: ``1`` is not ``True`` or ``1.0`` or ``"1"``, but NaN is NaN."""
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(_same(left[key], right[key]) for key in left)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right))
    for kind in (bool, str, float, int):
        if isinstance(left, kind) or isinstance(right, kind):
            if not (isinstance(left, kind) and isinstance(right, kind)):
                return False
            if isinstance(left, float) and isinstance(right, float) and math.isnan(left) and math.isnan(right):
                return True
            return bool(left == right)
    return type(left) is type(right) and bool(left == right)


def _lookup(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return _MISSING
        data = data[key]
    return data


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path)


def _with_value(data: Any, path: tuple[str, ...], value: Any) -> Any:
    """A copy of ``data`` with ``path`` set: what an edit's result must read back as.

    The copy shares nothing (unlike ``deepcopy``), so setting a key inside a mapping that an
    alias also points at is expected to change only this place; an edit of the anchored original
    (which would change every alias) then fails the read-back check instead of passing it.
    """
    result = _plain(data) if data is not None else {}
    if not isinstance(result, dict):
        raise ConfigError("cannot set a key: the top level of the file is not a mapping")
    node = result
    for depth, key in enumerate(path[:-1]):
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        elif not isinstance(child, dict):
            where = _dotted(path[: depth + 1])
            raise ConfigError(f"cannot set {_dotted(path)}: {where} is not a mapping", field=where)
        node = child
    node[path[-1]] = _plain(value)
    return result


def _without(data: Any, path: tuple[str, ...]) -> Any:
    result = _plain(data)
    parent = _lookup(result, path[:-1])
    del parent[path[-1]]
    return result


def _plain(value: Any) -> Any:
    """``value`` as the loader would return it (tuples are lists, mappings are dicts)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _check_path(path: tuple[str, ...]) -> None:
    if not path or not all(isinstance(key, str) for key in path):
        raise ValueError(f"a key path is a non-empty tuple of strings, not {path!r}")


# --- editing: public API ----------------------------------------------------------------------


class _Unsupported(Exception):
    """The splice cannot make this edit safely; try the next way (or give up)."""


def set_value(text: str, path: tuple[str, ...], value: Any) -> str:
    """``text`` with the mapping key at ``path`` set to ``value``, everything else untouched.

    Missing intermediate mappings (or ``key:`` left empty) are created as block mappings; a new
    key goes at the end of its mapping, after that mapping's last entry and the comments indented
    under it. Setting a mapping onto a mapping edits key by key, so unchanged entries keep their
    lines and comments. A string replacing a quoted string keeps its quotes; a string that YAML
    would read as something else (``yes``, ``2024-11-20``, ``010``) is double-quoted. If the key
    already holds an equal value the very same text is returned.

    Raises ConfigError (without a file; :func:`edit_file` adds it) when ``text`` is not valid,
    strict YAML, when a key on the way holds something other than a mapping, or when the edit
    cannot be made without changing other data.
    """
    _check_path(path)
    try:
        data = _load(text)
        if data is not None and not isinstance(data, dict):
            raise ConfigError("cannot set a key: the top level of the file is not a mapping")
        current = _lookup(data, path)
        if current is not _MISSING and _same(current, value):
            return text
        if (
            isinstance(value, Mapping)
            and value
            and isinstance(current, dict)
            and current
            and all(isinstance(key, str) for key in [*value, *current])
        ):
            updated = text
            for key, item in value.items():
                updated = set_value(updated, (*path, key), item)
            for key in current:
                if key not in value:
                    updated = delete_value(updated, (*path, key))
            return updated
        expected = _with_value(data, path, value)
        style = _Style.of(text)
        return _first_faithful(
            expected,
            lambda: _splice_set(text, path, value, style),
            lambda: _round_trip_edit(text, path, value, style),
            what="set",
            path=path,
        )
    except RecursionError:
        raise ConfigError("cannot edit: the document is nested too deeply") from None


def delete_value(text: str, path: tuple[str, ...]) -> str:
    """``text`` without the mapping key at ``path``, its value, and the comments that are its own.

    Its own comments are those on the lines directly above the key at the key's indentation and
    those indented under its value; comments and blank lines that introduce what follows stay.
    Deleting a key that is not there returns the very same text.
    """
    _check_path(path)
    try:
        data = _load(text)
        if _lookup(data, path) is _MISSING:
            return text
        expected = _without(data, path)
        style = _Style.of(text)
        return _first_faithful(
            expected,
            lambda: _splice_delete(text, path),
            lambda: _round_trip_edit(text, path, _MISSING, style),
            what="delete",
            path=path,
        )
    except RecursionError:
        raise ConfigError("cannot edit: the document is nested too deeply") from None


def edit_file(path: Path, edit: Callable[[str], str]) -> bool:
    """Apply ``edit`` to a file's text; write the result atomically if it changed.

    The new text goes to a temporary file in the same folder, which gets the original's
    permission bits (and owner, where allowed), is fsynced, and then replaces the original with
    ``os.replace``: a reader sees the old file or the new one, never half of one, and if reading,
    editing or writing fails the original is untouched and no temporary file is left. A symlink
    is followed and its target rewritten, so the link stays a link. Returns whether the file
    changed; an unchanged file is not written (its mtime stays).
    """
    shown = str(path)
    target = Path(os.path.realpath(path))
    text, info = _read_text(target, MAX_FILE_BYTES, shown=shown)
    try:
        new_text = edit(text)
    except FactoryError as error:
        raise error.located(file=shown) from None
    if new_text == text:
        return False
    _replace_atomically(target, new_text.encode("utf-8"), info, shown=shown)
    return True


def _replace_atomically(target: Path, data: bytes, info: os.stat_result, *, shown: str) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            if hasattr(os, "fchown"):
                with suppress(PermissionError):  # only root may give a file away; keep ours
                    os.fchown(stream.fileno(), info.st_uid, info.st_gid)
            os.chmod(temporary, stat.S_IMODE(info.st_mode))  # after chown, which may clear set-id bits
            os.fsync(stream.fileno())
        now = target.stat()
        if (now.st_ino, now.st_size, now.st_mtime_ns) != (info.st_ino, info.st_size, info.st_mtime_ns):
            raise ConfigError("file changed while it was being edited; nothing was written", file=shown)
        os.replace(temporary, target)
    except OSError as error:
        with suppress(OSError):
            os.unlink(temporary)
        raise ConfigError(f"cannot write file: {error.strerror or error}", file=shown) from None
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise
    with suppress(OSError):  # make the rename itself durable; not possible everywhere
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _first_faithful(expected: Any, *attempts: Callable[[], str], what: str, path: tuple[str, ...]) -> str:
    """The first attempt whose result reads back as ``expected``.

    This check is what makes the splice safe to be clever: whatever it (or ruamel) produced,
    a result that would read differently from "the original data with this one change" is
    never returned.
    """
    for attempt in attempts:
        try:
            result = attempt()
        except _Unsupported:
            continue
        try:
            if _same(_load(result), expected):
                return result
        except ConfigError:
            continue
    raise ConfigError(
        f"cannot {what} this key without changing other data in the file (anchors or merges?)",
        field=_dotted(path),
    )


# --- editing: rendering with ruamel.yaml ------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    """The file's block indentation, so new lines look like their neighbours.

    ``mapping`` is how far a nested mapping's keys sit right of their parent key; ``offset`` is
    where a list's dash sits right of its key and ``sequence`` where the item's content starts
    (the repo's files: ``owners:`` / ``  - objectId: ...`` is mapping 2, offset 2, sequence 4).
    """

    mapping: int = 2
    sequence: int = 4
    offset: int = 2
    newline: str = "\n"

    @classmethod
    def of(cls, text: str) -> "_Style":
        newline = "\r\n" if "\r\n" in text else "\n"
        try:
            root = yaml.compose(text, Loader=_FastSafeLoader)
        except yaml.YAMLError:
            return cls(newline=newline)
        mappings: Counter[int] = Counter()
        offsets: Counter[int] = Counter()
        sequences: Counter[int] = Counter()
        for key, value in _block_entries(root):
            if value.start_mark.line == key.start_mark.line:
                continue
            shift = value.start_mark.column - key.start_mark.column
            if isinstance(value, yaml.MappingNode) and shift > 0:
                mappings[shift] += 1
            elif isinstance(value, yaml.SequenceNode) and shift >= 0:
                offsets[shift] += 1
                item = value.value[0] if value.value else None
                if item is not None and item.start_mark.line == value.start_mark.line:
                    sequences[item.start_mark.column - key.start_mark.column] += 1
        mapping = mappings.most_common(1)[0][0] if mappings else 2
        offset = offsets.most_common(1)[0][0] if offsets else mapping
        sequence = sequences.most_common(1)[0][0] if sequences else offset + 2
        return cls(mapping, max(sequence, offset + 2), offset, newline)


def _block_entries(root: yaml.Node | None) -> Iterator[tuple[yaml.Node, yaml.Node]]:
    """Every (key, value) of every block mapping, each node once (aliases are not revisited)."""
    visited: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if not node.flow_style and isinstance(value, (yaml.MappingNode, yaml.SequenceNode)):
                    if not value.flow_style and value.value:
                        yield key, value
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


@lru_cache(maxsize=None)
def _representer() -> type:
    """ruamel's round-trip representer, writing floats the way PyYAML reads them back.

    ruamel writes ``1e-05``, which YAML 1.2 reads as a float but PyYAML (YAML 1.1, and our
    reader) as a string; PyYAML needs the dot: ``1.0e-05``. A subclass keeps the change local.
    """
    from ruamel.yaml.representer import RoundTripRepresenter

    class Representer(RoundTripRepresenter):
        pass

    def represent_float(self: Any, data: float) -> Any:
        if math.isnan(data):
            text = ".nan"
        elif math.isinf(data):
            text = ".inf" if data > 0 else "-.inf"
        else:
            text = repr(data).lower()
            if "." not in text and "e" in text:
                text = text.replace("e", ".0e", 1)
        return self.represent_scalar("tag:yaml.org,2002:float", text)

    Representer.add_representer(float, represent_float)
    return Representer


def _round_trip_yaml(style: _Style) -> "YAML":
    """A ruamel YAML() for round trips: keeps quotes, never re-wraps, indents like the file."""
    from ruamel.yaml import YAML

    handler = YAML(typ="rt")
    handler.Representer = _representer()
    handler.preserve_quotes = True
    handler.width = 4096
    handler.indent(mapping=style.mapping, sequence=style.sequence, offset=style.offset)
    handler.line_break = style.newline
    return handler


_RESOLVER = yaml.resolver.Resolver()


def _needs_quotes(text: str) -> bool:
    """Whether PyYAML (YAML 1.1) would read ``text``, written plain, as something else.

    ruamel decides quoting with YAML 1.2 rules, under which ``yes``, ``on`` and ``0o17``-style
    strings are plain strings; our reader would see booleans and numbers.
    """
    return _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) != _STR_TAG


def _prepare(value: Any, quote: str | None = None) -> Any:
    """``value`` as ruamel objects: block mappings and lists, strings quoted where needed."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

    if isinstance(value, str):
        value = str.__str__(value)
        if quote == "'" and value.isprintable():
            return SingleQuotedScalarString(value)
        if quote == '"' or _needs_quotes(value):
            return DoubleQuotedScalarString(value)
        return value
    if value is None or isinstance(value, (bool, int, float, date)):
        return value
    if isinstance(value, Mapping):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[_prepare(key)] = _prepare(item)
        return mapping
    if isinstance(value, (list, tuple)):
        return CommentedSeq(_prepare(item) for item in value)
    raise TypeError(
        f"cannot write a {type(value).__name__} to YAML; use plain data"
        " (str, int, float, bool, None, dates, lists and mappings)"
    )


def _render(key: Any, value: Any, style: _Style, *, quote: str | None = None) -> list[str]:
    """The lines (without line breaks) of ``key: value`` as a block entry at column 0."""
    from ruamel.yaml.comments import CommentedMap

    out = io.StringIO()
    entry = CommentedMap()
    entry[_prepare(key)] = _prepare(value, quote)
    handler = _round_trip_yaml(style)
    handler.line_break = "\n"
    handler.dump(entry, out)
    return out.getvalue().splitlines()


def _round_trip_edit(text: str, path: tuple[str, ...], value: Any, style: _Style) -> str:
    """The edit made by ruamel's whole-document round trip (``value`` _MISSING: delete).

    Used when the splice cannot be: it handles every shape, but may move comments around.
    """
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

    handler = _round_trip_yaml(style)
    try:
        document = handler.load(text)
    except Exception as error:  # ruamel's own errors have no common base worth naming
        raise _Unsupported(str(error)) from None
    if document is None:
        document = CommentedMap()
    node = document
    for key in path[:-1]:
        if not isinstance(node, dict):
            raise _Unsupported("not a mapping")
        child = node.get(key)
        if child is None:
            if value is _MISSING:
                raise _Unsupported("absent")
            child = node[_prepare(key)] = CommentedMap()  # an existing key keeps its own spelling
        node = child
    if not isinstance(node, dict):
        raise _Unsupported("not a mapping")
    if value is _MISSING:
        if path[-1] not in node:
            raise _Unsupported("absent")
        del node[path[-1]]
    else:
        old = node.get(path[-1])
        quote = {DoubleQuotedScalarString: '"', SingleQuotedScalarString: "'"}.get(type(old))
        node[_prepare(path[-1])] = _prepare(value, quote)
    out = io.StringIO()
    handler.dump(document, out)
    return out.getvalue()


# --- editing: splicing into the original text -------------------------------------------------


class _Lines:
    """The text as lines (each with its line break), with the questions splicing asks of them."""

    def __init__(self, text: str) -> None:
        if any(mark in text.replace("\r\n", "") for mark in "\r\x85\u2028\u2029"):
            raise _Unsupported("line breaks other than LF and CRLF")  # YAML 1.1 counts these
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts: list[int] = []
        offset = 0
        for line in self.lines:
            self.starts.append(offset)
            offset += len(line)
        self.newline = "\r\n" if "\r\n" in text else "\n"

    def __len__(self) -> int:
        return len(self.lines)

    def line_of(self, index: int) -> int:
        return max(bisect.bisect_right(self.starts, index) - 1, 0)

    def indent(self, number: int) -> int:
        line = self.lines[number]
        return len(line) - len(line.lstrip(" "))

    def blank(self, number: int) -> bool:
        return not self.lines[number].strip()

    def comment(self, number: int) -> bool:
        return self.lines[number].lstrip(" \t").startswith("#")

    def end_of_line(self, number: int) -> int:
        """Offset of line ``number``'s line break (or of the end of the text)."""
        line = self.lines[number]
        return self.starts[number] + len(line.rstrip("\r\n"))

    def lines_with_breaks(self, lines: list[str]) -> str:
        return "".join(line + self.newline for line in lines)


def _compose(text: str) -> yaml.Node | None:
    """The node tree, with marks that are exact character offsets into ``text``.

    The pure-Python composer is used on purpose: libyaml's marks are not guaranteed to count
    characters the way Python indexes a str, and an edit is rare enough not to need its speed.
    """
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise _Unsupported(str(error)) from None


def _shared_nodes(root: yaml.Node | None) -> set[int]:
    """Nodes that appear more than once (anchored and aliased): their marks lie for an alias."""
    seen: set[int] = set()
    shared: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            shared.add(id(node))
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return shared


def _block_column(lines: _Lines, mapping: yaml.Node) -> int:
    """The indentation of a block mapping's entries, each of which must start its line.

    An entry starts with its key, or with ``?`` for an explicit key (PyYAML writes ``? ''`` for
    an empty key); anything else (a key after ``- `` or ``---``) is left to the round trip.
    """
    if not isinstance(mapping, yaml.MappingNode) or mapping.flow_style or not mapping.value:
        raise _Unsupported("not a block mapping")
    column = lines.indent(mapping.value[0][0].start_mark.line)
    for key, _ in mapping.value:
        line, at = key.start_mark.line, key.start_mark.column
        explicit = at > column and lines.lines[line][column : column + 1] == "?"
        if lines.indent(line) != column or not (at == column or explicit):
            raise _Unsupported("an entry that does not start its line")
    return column


def _find(mapping: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STR_TAG and key_node.value == key:
            return key_node, value_node
    return None


def _content_end(node: yaml.Node, text: str, shared: set[int]) -> int:
    """Offset just after the last character of ``node``'s own content (not trailing comments)."""
    while True:
        if id(node) in shared:
            raise _Unsupported("an alias")
        if isinstance(node, yaml.ScalarNode):
            end = node.end_mark.index
            if node.style in ("|", ">"):  # a block scalar's mark includes the blank lines after it
                while end > node.start_mark.index and text[end - 1] in " \t\r\n":
                    end -= 1
            return end
        assert isinstance(node, yaml.CollectionNode)  # a mapping or a sequence: neither has other kinds
        if node.flow_style or not node.value:
            return node.end_mark.index
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last


def _walk(lines: _Lines, root: yaml.Node | None, path: tuple[str, ...], shared: set[int]) -> Iterator[
    tuple[int, yaml.MappingNode, int, tuple[yaml.Node, yaml.Node] | None]
]:
    """(depth, mapping, its key column, the entry for ``path[depth]`` or None) down the path."""
    node = root
    for depth, key in enumerate(path):
        if node is None or id(node) in shared:
            raise _Unsupported("an alias on the path")
        column = _block_column(lines, node)
        pair = _find(node, key)  # type: ignore[arg-type]
        yield depth, node, column, pair  # type: ignore[misc]
        if pair is None:
            return
        node = pair[1]


def _nest(keys: tuple[str, ...], value: Any) -> Any:
    for key in reversed(keys):
        value = {key: value}
    return value


def _indented(lines: list[str], column: int) -> list[str]:
    return [" " * column + line if line else line for line in lines]


def _splice_set(text: str, path: tuple[str, ...], value: Any, style: _Style) -> str:
    if text.startswith("\ufeff"):  # a byte order mark is not indentation: splice after it
        return "\ufeff" + _splice_set(text[1:], path, value, style)
    lines = _Lines(text)
    root = _compose(text)
    if root is None:  # empty, or only comments: the mapping starts here
        rendered = _render(path[0], _nest(path[1:], value), style)
        body = text if not text or text.endswith("\n") else text + lines.newline
        return body + lines.lines_with_breaks(rendered)
    shared = _shared_nodes(root)
    for depth, mapping, column, pair in _walk(lines, root, path, shared):
        rest = _nest(path[depth + 1 :], value)
        if pair is None:
            return _insert_entry(lines, mapping, column, path[depth], rest, style, shared)
        key_node, value_node = pair
        if id(value_node) in shared:
            raise _Unsupported("an alias on the path")
        if depth == len(path) - 1 or value_node.tag == _NULL_TAG:
            return _replace_value(lines, key_node, value_node, column, rest, style, shared)
        if not isinstance(value_node, yaml.MappingNode):
            raise _Unsupported("not a mapping")
    raise _Unsupported("path not walked")  # pragma: no cover - the loop always returns


def _entry_end_line(lines: _Lines, node: yaml.Node, column: int, shared: set[int]) -> int:
    """The last line of an entry at ``column``: its content, then comments indented under it."""
    last = lines.line_of(max(_content_end(node, lines.text, shared) - 1, 0))
    while last + 1 < len(lines) and lines.comment(last + 1) and lines.indent(last + 1) > column:
        last += 1
    return last


def _insert_entry(
    lines: _Lines, mapping: yaml.MappingNode, column: int, key: str, value: Any, style: _Style, shared: set[int]
) -> str:
    """Append ``key: value`` after the mapping's last entry and the comments that follow it at
    the mapping's indentation or deeper (they belong to it), before any blank line: a blank line
    or a shallower comment introduces what comes next."""
    at = lines.line_of(max(_content_end(mapping, lines.text, shared) - 1, 0)) + 1
    while at < len(lines) and lines.comment(at) and lines.indent(at) >= column:
        at += 1
    before = "".join(lines.lines[:at])
    if before and not before.endswith("\n"):
        before += lines.newline
    rendered = _indented(_render(key, value, style), column)
    return before + lines.lines_with_breaks(rendered) + "".join(lines.lines[at:])


def _replace_value(
    lines: _Lines,
    key_node: yaml.Node,
    value_node: yaml.Node,
    column: int,
    value: Any,
    style: _Style,
    shared: set[int],
) -> str:
    """Replace an entry's value, keeping the key as written and the comment on its line.

    A value written on the key's line (a scalar, a flow collection, or nothing) is replaced in
    place, keeping the spacing before it and any comment after it; a block value (the lines
    indented under the key) is replaced line for line.
    """
    text = lines.text
    quote = value_node.style if isinstance(value_node, yaml.ScalarNode) and value_node.style in ('"', "'") else None
    head, *block = _render("k", value, style, quote=quote)
    inline = head != "k:" or not block  # `k: 1`, `k: []`, `k: |-` + lines, or `k:` (None)
    fragment = head[len("k: ") :] if inline else ""
    block = _indented(block, column)
    colon = text.find(":", key_node.end_mark.index)
    if colon < 0:
        raise _Unsupported("no colon after the key")
    colon_end = colon + 1
    key_line = key_node.start_mark.line
    if lines.line_of(colon) != key_line and not inline:  # `? key` / `: value` on its own line
        raise _Unsupported("a block value for an explicit key")
    key_line_end = lines.end_of_line(key_line)
    if isinstance(value_node, (yaml.MappingNode, yaml.SequenceNode)) and not value_node.flow_style:
        if lines.line_of(value_node.start_mark.index) == key_line or lines.line_of(colon) != key_line:
            raise _Unsupported("a property (anchor or tag) on the key's line")
        last = _entry_end_line(lines, value_node, column, shared)
        if inline:
            key_text = text[:colon_end] + (" " + fragment if fragment else "") + text[colon_end:key_line_end]
        else:
            key_text = text[:key_line_end]
        return key_text + lines.newline + lines.lines_with_breaks(block) + "".join(lines.lines[last + 1 :])
    start = value_node.start_mark.index
    end = _content_end(value_node, text, shared)
    if inline:
        joined = lines.newline.join([fragment, *block])
        if not joined:  # None: `key:`
            return text[:colon_end] + text[end:]
        if start <= colon_end:  # the old value was empty: `key:` (maybe followed by a comment)
            return text[:colon_end] + " " + joined + text[end:]
        return text[:start] + joined + text[end:]
    last_line = lines.line_of(max(end - 1, 0))
    return (
        text[:colon_end]
        + text[end : lines.end_of_line(last_line)]  # the comment after the old value, if any
        + lines.newline
        + lines.lines_with_breaks(block)
        + "".join(lines.lines[last_line + 1 :])
    )


def _splice_delete(text: str, path: tuple[str, ...]) -> str:
    if text.startswith("\ufeff"):
        return "\ufeff" + _splice_delete(text[1:], path)
    lines = _Lines(text)
    root = _compose(text)
    shared = _shared_nodes(root)
    walked = list(_walk(lines, root, path, shared))
    depth, mapping, column, pair = walked[-1]
    if depth != len(path) - 1 or pair is None:
        raise _Unsupported("the key is not written here (a merge?)")
    key_node, value_node = pair
    first = key_node.start_mark.line
    if not (mapping is root and mapping.value[0][0] is key_node):  # else: the file's header
        while first > 0 and lines.comment(first - 1) and lines.indent(first - 1) == column:
            first -= 1
    last = _entry_end_line(lines, value_node, column, shared)
    blank_before = first == 0 or lines.blank(first - 1)
    if blank_before and last + 1 < len(lines) and lines.blank(last + 1):
        last += 1  # do not leave two blank lines where the entry was
    elif blank_before and last + 1 >= len(lines):
        while first > 0 and lines.blank(first - 1):
            first -= 1
    before, after = "".join(lines.lines[:first]), "".join(lines.lines[last + 1 :])
    if len(mapping.value) > 1:
        return before + after
    # The mapping's only entry: what is left is an empty mapping, written `{}` (not nothing, which
    # would read as null). ruamel writes it on a line of its own, which is not even valid YAML
    # when a comment sits between the key and the entry.
    if depth == 0:
        return before + "{}" + lines.newline + after
    parent_key = walked[-2][3][0]  # type: ignore[index]
    colon_end = text.find(":", parent_key.end_mark.index) + 1
    if colon_end == 0 or lines.line_of(mapping.start_mark.index) == lines.line_of(colon_end - 1):
        raise _Unsupported("a property (anchor or tag) on the key's line")
    return text[:colon_end] + " {}" + before[colon_end:] + after
