"""Safe YAML reading with line numbers, ``extends`` inheritance and ``--set`` overrides.

Safety rules (a scenario file is data, never code):

* ``yaml.SafeLoader`` only; no Python tags, no ``yaml.load``.
* Documents larger than :data:`MAX_BYTES` are refused before parsing.
* Anchors and aliases (``&a`` / ``*a``) are refused: ``extends`` covers reuse between files, and
  alias expansion is how a few hundred bytes of YAML become gigabytes (the "billion laughs"
  bomb).  The event stream is scanned for them *before* anything is built.
* At most :data:`MAX_YAML_NODES` values and :data:`MAX_DEPTH` levels of nesting per document.
* Duplicate keys are an error (PyYAML would silently keep the last one).

Every value's origin (file and line, or the ``--set`` flag) is kept in a ``where`` map keyed by
its dotted path, so validation errors can say ``(micro.yaml line 14)``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from ..errors import ScenarioError
from .schema import ItemName, Where, _is_name, join, lookup, split_key_path

__all__ = ["MAX_BYTES", "MAX_YAML_NODES", "MAX_DEPTH", "MAX_EXTENDS", "read_document", "resolve_document",
           "parse_override", "RawScenario"]

MAX_BYTES = 1 << 20  # 1 MiB: real scenario files are a few hundred bytes
MAX_YAML_NODES = 100_000  # scalars + collections per document (an explicit node list can be long)
MAX_DEPTH = 20
MAX_EXTENDS = 16

# keys that belong to one file only and are not inherited by an extending file
NOT_INHERITED = ("name", "description", "extends", "baseline")


class RawScenario:
    """A merged, not yet validated scenario document and where each value came from."""

    def __init__(self, data: dict, where: dict[str, Where], path: Path | None, chain: list[Path],
                 origin_dir: dict[str, Path]):
        self.data = data
        self.where = where
        self.path = path
        self.chain = chain
        self.origin_dir = origin_dir  # folder of the file that set each path (for relative file paths)

    def dir_of(self, path: str) -> Path:
        """Folder of the file (or the working directory for ``--set``) that set ``path``."""
        while True:
            if path in self.origin_dir:
                return self.origin_dir[path]
            if not path:
                return self.path.resolve().parent if self.path is not None else Path.cwd()
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""

    def where_of(self, path: str) -> Where | None:
        w = self.where.get(path)
        if w is not None:
            return w
        while path:  # fall back to the nearest enclosing key, then the file
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
            if path in self.where:
                return self.where[path]
        return Where(self.path.name) if self.path is not None else None


def _display(path: Path) -> str:
    """A path as messages show it: as typed when relative, relative to the working folder when under it."""
    path = Path(path)
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read_text(path: Path) -> str:
    shown = _display(path)
    try:
        exists = path.exists()
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{shown}: not a usable file path ({exc})") from None
    if not exists:
        raise ScenarioError(f"{shown}: scenario file not found")
    if not path.is_file():
        raise ScenarioError(f"{shown}: not a file")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ScenarioError(f"{shown}: file is {size:,} bytes; scenario files are limited to {MAX_BYTES:,} bytes")
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{shown}: cannot read ({exc.strerror or exc})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{shown}: not UTF-8 text (byte {exc.start})") from None


def _marked(source: str, exc: yaml.YAMLError) -> ScenarioError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is not None:
        return ScenarioError(f"{source} line {mark.line + 1} column {mark.column + 1}: malformed YAML: {problem}")
    return ScenarioError(f"{source}: malformed YAML: {problem}")


def parse_yaml(text: str, source: str) -> tuple[Any, dict[str, Where]]:
    """Parse one YAML document safely; return (plain data, where map)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ScenarioError(f"{source}: document larger than {MAX_BYTES:,} bytes")
    # 1. scan events: refuse anchors/aliases, count nodes, bound depth, before building anything
    try:
        count = depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                line = event.start_mark.line + 1
                raise ScenarioError(
                    f"{source} line {line}: YAML anchors and aliases (&name, *name) are not allowed; use "
                    "`extends:` to reuse another scenario (aliases are also how YAML bombs expand)"
                )
            if isinstance(event, (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                count += 1
                if count > MAX_YAML_NODES:
                    raise ScenarioError(f"{source} line {event.start_mark.line + 1}: more than {MAX_YAML_NODES:,} "
                                        "values in one document")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise ScenarioError(f"{source} line {event.start_mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
        # 2. compose to nodes (marks give line numbers); aliases are already excluded
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise _marked(source, exc) from None
    if node is None:
        raise ScenarioError(f"{source}: the document is empty")
    where: dict[str, Where] = {}
    constructor = yaml.SafeLoader("")
    try:
        data = _build(node, "", source, where, constructor)
    finally:
        constructor.dispose()
    return data, where


def _build(node: yaml.Node, path: str, source: str, where: dict[str, Where], constructor) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                raise ScenarioError(f"{source} line {line}: keys must be plain names"
                                    + (f" (under {path})" if path else ""))
            key = key_node.value
            if key == "<<":
                raise ScenarioError(f"{source} line {line}: YAML merge keys (<<) are not allowed; use `extends:`")
            p = join(path, key)
            if key in out:
                raise ScenarioError(f"{p}: duplicate key ({source} line {line})")
            where[p] = Where(source, line)
            out[key] = _build(value_node, p, source, where, constructor)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            p = join(path, i)
            where[p] = Where(source, item.start_mark.line + 1)
            items.append(_build(item, p, source, where, constructor))
        return items
    try:
        return constructor.construct_object(node, deep=True)
    except Exception as exc:  # the scalar constructors raise ValueError/ConstructorError/OverflowError
        line = node.start_mark.line + 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ScenarioError(f"{path or 'value'}: cannot read value {node.value[:40]!r}: {problem} "
                            f"({source} line {line})") from None


def read_document(path: Path) -> tuple[dict, dict[str, Where]]:
    """Read one scenario file (no inheritance): its top-level mapping and where map."""
    source = _display(path)
    data, where = parse_yaml(_read_text(path), source)
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario must be a mapping of keys (name:, seed:, audience:, ...), "
                            f"got {type(data).__name__}")
    return data, where


def _merge(base: dict, over: dict, base_where: dict, over_where: dict, base_dirs: dict, over_dir: Path,
           path: str = "") -> dict:
    """Deep-merge ``over`` into ``base``: mappings merge, lists and scalars replace, null deletes."""
    out = dict(base)
    for key, value in over.items():
        p = join(path, key)
        if value is None and key in out:
            del out[key]
            _drop(base_where, p)
            _drop(base_dirs, p)
            continue
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, base_where, over_where, base_dirs, over_dir, p)
            base_where[p] = over_where.get(p, base_where.get(p))
        else:
            _drop(base_where, p)
            _drop(base_dirs, p)
            out[key] = value
            for wp, w in over_where.items():
                if wp == p or wp.startswith(p + ".") or wp.startswith(p + "["):
                    base_where[wp] = w
            base_dirs[p] = over_dir
    return out


def _drop(mapping: dict, p: str) -> None:
    for k in [k for k in mapping if k == p or k.startswith(p + ".") or k.startswith(p + "[")]:
        del mapping[k]


def resolve_document(path: Path, _chain: tuple[Path, ...] = ()) -> RawScenario:
    """Read ``path`` and everything it ``extends`` (relative to each file); merge them."""
    path = Path(path)
    try:
        resolved = path.resolve()
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: not a usable file path ({exc})") from None
    if resolved in _chain:
        names = " -> ".join(_display(p) for p in (*_chain, resolved))
        raise ScenarioError(f"extends cycle: {names}")
    if len(_chain) >= MAX_EXTENDS:
        raise ScenarioError(f"{_display(path)}: extends chain longer than {MAX_EXTENDS} files")
    data, where = read_document(path)
    data = _unwrap_manifest(data, where)
    dirs: dict[str, Path] = {k: resolved.parent for k in data}
    parent_ref = data.get("extends")
    if parent_ref is None:
        return RawScenario(data, where, path, [resolved], dirs)
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        raise ScenarioError(f"extends: must be a file path, got {parent_ref!r} ({where.get('extends')})")
    try:
        parent_path = (resolved.parent / parent_ref).resolve()
        found = parent_path.is_file()
    except (OSError, ValueError) as exc:  # embedded NUL, name too long, ...
        raise ScenarioError(f"extends: not a usable file path {parent_ref[:60]!r}: {exc} ({where.get('extends')})") from None
    if not found:
        raise ScenarioError(f"extends: file not found: {_display(parent_path)} ({where.get('extends')})")
    parent = resolve_document(parent_path, (*_chain, resolved))
    base = {k: v for k, v in parent.data.items() if k not in NOT_INHERITED}
    base_where = {k: v for k, v in parent.where.items() if k.split(".")[0].split("[")[0] not in NOT_INHERITED}
    base_dirs = {k: v for k, v in parent.origin_dir.items() if k.split(".")[0] not in NOT_INHERITED}
    own = {k: v for k, v in data.items() if k != "extends"}
    merged = _merge(base, own, base_where, where, base_dirs, resolved.parent)
    base_where["extends"] = where["extends"]
    for k in ("name", "description", "baseline"):
        if k in where:
            base_where[k] = where[k]
    return RawScenario(merged, base_where, path, [resolved, *parent.chain], base_dirs)


def _unwrap_manifest(data: dict, where: dict[str, Where]) -> dict:
    """A ``manifest.json`` written by ``viralsim run`` holds the resolved scenario under ``scenario``."""
    if "viralsim_manifest" not in data:
        return data
    scenario = data.get("scenario")
    if not isinstance(scenario, dict):
        raise ScenarioError("manifest has no `scenario` mapping")
    for k in list(where):
        if k.startswith("scenario."):
            where[k[len("scenario."):]] = where[k]
    return copy.deepcopy(scenario)


def parse_override(text: str) -> tuple[list, Any, str]:
    """``"content.stickiness=0.05"`` -> (path parts, value, flag text).

    An item of a list of sections is named by position or by name:
    ``contents[0].trigger.response_time=6h`` or ``contents[response].trigger.response_time=6h``.
    The value is converted by the key's declared type, never guessed: text keys (names,
    durations, paths, options) take the text as written; numbers, booleans, lists and mappings
    are read as a YAML scalar or flow value (same safety rules as files) and then validated.
    """
    flag = f"--set {text}"
    example = "e.g. --set content.stickiness=0.05 or --set contents[0].trigger.response_time=6h"
    if "=" not in text:
        raise ScenarioError(f"{flag}: expected key.path=value, {example}")
    key_text, value_text = text.split("=", 1)
    parts = split_key_path(key_text)
    if parts is None:
        raise ScenarioError(f"{flag}: expected key.path=value, {example}")
    key = lookup(parts)
    if key is not None and key.kind in ("str", "duration", "path") and value_text.strip() != "null":
        return parts, value_text.strip(), flag
    value = parse_yaml(value_text, flag)[0] if value_text.strip() else None
    return parts, value, flag


def _item_name(item: Any) -> str | None:
    """The name an item of a list of sections goes by: its ``name``, or its content's name."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("name"), str):
        return item["name"]
    content = item.get("content")
    return content.get("name") if isinstance(content, dict) and isinstance(content.get("name"), str) else None


def _select(items: list, selector: int | str, path: str, flag: str) -> int:
    """The index of the item ``selector`` (a position or an :class:`ItemName`) names in ``items``."""
    if isinstance(selector, ItemName):
        names = [_item_name(item) for item in items]
        if selector in names:
            return names.index(selector)
        have = ", ".join(n for n in names if n) or "none"
        raise ScenarioError(f"{flag}: {path} has no item named {selector!r} (names: {have})")
    if not 0 <= selector < len(items):
        raise ScenarioError(f"{flag}: {path}[{selector}]: {path} has {len(items)} item(s) in this scenario "
                            f"(positions 0 to {len(items) - 1})" if items else f"{flag}: {path} is empty in this "
                            "scenario")
    return selector


def apply_overrides(raw: RawScenario, overrides) -> RawScenario:
    """Apply ``--set`` overrides (in order) to a merged document."""
    for item in overrides:
        parts, value, flag = parse_override(item) if isinstance(item, str) else item
        node: Any = raw.data
        path = ""
        for part, following in zip(parts[:-1], parts[1:]):
            if _is_name(part):
                child = node.get(part)
                path = join(path, part)
                if not _is_name(following):
                    if not isinstance(child, list):
                        raise ScenarioError(f"{flag}: {path} is not a list in this scenario")
                elif child is None:
                    child = node[part] = {}
                elif not isinstance(child, dict):
                    raise ScenarioError(f"{flag}: {path} is not a mapping in this scenario")
            else:
                main = raw.data.get("content")
                if path == "contents" and isinstance(main, dict) and part == main.get("name"):
                    raise ScenarioError(f"{flag}: {part!r} is the main content, set it under content. "
                                        f"(e.g. --set content.stickiness=0.1); contents lists the others")
                index = _select(node, part, path, flag)
                path = join(path, index)
                child = node[index]
                if not isinstance(child, dict):
                    raise ScenarioError(f"{flag}: {path} is not a mapping in this scenario")
            node = child
        full = join(path, parts[-1])
        _drop(raw.where, full)
        _drop(raw.origin_dir, full)
        if value is None:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
        raw.where[full] = Where(flag)
        raw.origin_dir[full] = Path.cwd()
    return raw
