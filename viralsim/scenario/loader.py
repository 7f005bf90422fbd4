"""Scenario files -> validated, frozen :class:`Scenario` objects.

``load_scenario(path, overrides)`` reads the file and what it ``extends``, applies ``--set``
overrides, checks every key against the tables in :mod:`viralsim.scenario.schema`, runs the
cross-key checks (the audience's generator parameters and memory estimate, the seeding
strategy, the EMV formula's rates) and returns a :class:`Scenario`.  Any problem raises
:class:`~viralsim.errors.ScenarioError` naming the file, key path and line.
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from ..campaign.boost import MAX_PAID_IMPRESSIONS, Boost
from ..campaign.seeding import STRATEGIES
from ..campaign.valuation import CostModel, Tier, Valuation
from .._runtime import memory_available_bytes
from ..constraints import must_be
from ..errors import InvalidParameterError, ScenarioError, ViralsimError
from ..model.params import MAX_STEPS, PARAMETERS
from ..model.world import TRIGGER_METRICS, WORLD_PARAMETERS
from . import schema
from .reader import RawScenario, apply_overrides, resolve_document
from .schema import Where, fail, format_duration

__all__ = ["Scenario", "Audience", "Segment", "Content", "Platform", "ThresholdRule", "Seeding", "Wave", "Campaign",
           "load_scenario", "scenario_from_dict", "memory_limit_bytes", "wrap_errors"]

_GIB = 1024**3


def memory_limit_bytes() -> int:
    """Largest graph / result allocation a scenario may ask for.

    ``VIRALSIM_MAX_MEMORY_BYTES`` if set, else half the memory currently available (at most 16 GiB).
    """
    env = os.environ.get("VIRALSIM_MAX_MEMORY_BYTES")
    if env:
        try:
            return int(env)
        except ValueError:
            raise ScenarioError(f"VIRALSIM_MAX_MEMORY_BYTES must be an integer number of bytes, got {env!r}") from None
    available = memory_available_bytes()
    return int(min((8 * _GIB if available is None else available) // 2, 16 * _GIB))


@dataclass(frozen=True)
class Segment:
    name: str
    share: float
    affinity: float = 1.0


@dataclass(frozen=True)
class Audience:
    """The audience graph: a generator with ``nodes`` and ``params``, or an edge-list ``file``."""

    generator: str
    nodes: int | None
    params: dict
    file: Path | None
    directed: bool | None
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Content:
    stickiness: float | None
    half_life_h: float | None
    fatigue: float
    engagement_rate: float
    click_rate: float
    conversion_rate: float
    name: str = "content"
    sentiment: str = "neutral"
    owner: str = "brand"


@dataclass(frozen=True)
class Platform:
    feed_reach: float
    delay_median_h: float
    delay_sigma: float
    attention: int | None = None
    collision: str = "first"


@dataclass(frozen=True)
class TriggerRule:
    """Launch ``response_h`` hours after content ``after`` first reaches ``level`` of ``metric``."""

    after: str
    metric: str
    level: int
    response_h: float


@dataclass(frozen=True)
class ExtraContent:
    """A further content of the world: its content keys, its campaign (times after its launch), its launch."""

    content: "Content"
    campaign: "Campaign"
    start_h: float = 0.0
    trigger: TriggerRule | None = None


@dataclass(frozen=True)
class InteractionRule:
    source: str
    target: str
    cross_share: float = 1.0
    prior_exposure: float = 1.0


@dataclass(frozen=True)
class ThresholdRule:
    rule: str
    level: float | None


@dataclass(frozen=True)
class Seeding:
    """Seeding section: a registered strategy, its count (None: fill the budget), an optional segment
    and strategy options."""

    strategy: str
    count: int | None
    segment: str | None
    options: dict
    fee: bool = True

    @property
    def fills_budget(self) -> bool:
        """No count: buy as many accounts as the campaign's budget leaves money for."""
        return self.count is None and self.strategy != "explicit"


@dataclass(frozen=True)
class Wave:
    """One post of the schedule: seeds posting at ``at_h`` and/or a paid boost.  ``path`` is its
    key path (``campaign`` or ``campaign.waves[i]``), for error messages."""

    at_h: float
    seeding: Seeding | None
    boost: Boost | None
    path: str


@dataclass(frozen=True)
class Campaign:
    """The schedule of waves (the hour-0 ``seeding``/``boost`` first), fees and the budget."""

    waves: tuple[Wave, ...]
    cost: CostModel
    budget: float | None = None

    @property
    def seeding(self) -> Seeding | None:
        """The first wave's seeding (the common one-wave campaign)."""
        return next((w.seeding for w in self.waves if w.seeding is not None), None)

    @property
    def boosts(self) -> tuple[Boost, ...]:
        return tuple(w.boost for w in self.waves if w.boost is not None)



@dataclass(frozen=True)
class Scenario:
    """A validated scenario.  Durations are in hours (``*_h``); ``resolved`` is the full mapping
    with every default filled in, loadable again by :func:`scenario_from_dict`; ``sources`` are
    the files read (the scenario first, then what it extends)."""

    name: str
    description: str
    seed: int
    runs: int
    horizon_h: float
    step_h: float
    model: str
    threshold: ThresholdRule | None
    audience: Audience
    content: Content
    platform: Platform
    campaign: Campaign
    valuation: Valuation | None
    baseline: Path | None = None
    contents: tuple[ExtraContent, ...] = ()
    interactions: tuple[InteractionRule, ...] = ()
    source: Path | None = field(default=None, compare=False)
    sources: tuple[Path, ...] = field(default=(), compare=False)
    resolved: dict = field(default_factory=dict, compare=False, repr=False)
    where: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_steps(self) -> int:
        return int(round(self.horizon_h / self.step_h))

    @property
    def is_world(self) -> bool:
        """Several contents, or one that is not a neutral brand post: world metrics are reported."""
        c = self.content
        return bool(self.contents) or c.sentiment != "neutral" or c.owner != "brand"

    @property
    def content_names(self) -> tuple[str, ...]:
        return (self.content.name,) + tuple(x.content.name for x in self.contents)

    def segment_affinity(self, segment_names) -> "np.ndarray | None":
        """Share multiplier of each of the graph's segments (in ``segment_names`` order), or None
        when the audience declares no segments (every multiplier 1)."""
        if not self.audience.segments or not segment_names:
            return None
        by_name = {s.name: s.affinity for s in self.audience.segments}
        return np.array([by_name[name] for name in segment_names], dtype=np.float64)

    def where_of(self, path: str) -> Where | None:
        """Origin (file and line) of a key path, for error messages raised after loading."""
        while True:
            if path in self.where:
                return self.where[path]
            if not path:
                return Where(self.source.name) if self.source is not None else None
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""


@contextlib.contextmanager
def wrap_errors(path: str, scenario: Scenario) -> Iterator[None]:
    """Re-raise a layer error as a ScenarioError naming the key and line that caused it."""
    try:
        yield
    except ScenarioError:
        raise
    except ViralsimError as exc:
        raise fail(path, str(exc), scenario.where_of(path)) from None


def load_scenario(path: str | os.PathLike, overrides: Iterable[str] = ()) -> Scenario:
    """Read, merge (``extends``), override (``key.path=value``) and validate a scenario file.

    Parameters
    ----------
    path : path-like
        A scenario YAML file, or a ``manifest.json`` written by ``viralsim run`` (re-runs it).
    overrides : iterable of str
        ``"content.stickiness=0.05"``-style overrides, applied in order after inheritance.

    Raises
    ------
    ScenarioError
        With the file, key path and line of the first problem.
    """
    raw = resolve_document(Path(path))
    raw = apply_overrides(raw, list(overrides))
    return _validate(raw)


def scenario_from_dict(data: dict, *, base_dir: str | os.PathLike = ".", source: str = "<scenario>") -> Scenario:
    """Validate a scenario given as a mapping (relative file paths resolve against ``base_dir``)."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario must be a mapping, got {type(data).__name__}")
    raw = RawScenario(dict(data), {}, None, [], {"": Path(base_dir).resolve()})
    raw.where[""] = Where(source)
    return _validate(raw)


def _validate(raw: RawScenario) -> Scenario:
    data = dict(raw.data)
    data.pop("extends", None)
    if "name" not in data:
        if raw.path is None:
            raise fail("name", "required (a name for the output folder)", raw.where_of(""))
        stem = raw.path.name.split(".")[0]
        data["name"] = stem
    w = raw.where_of
    top = schema.check_section(schema.TOP, data, "", w, skip=("extends",))
    horizon, step = top["horizon"], top["step"]
    n_steps = horizon / step
    if abs(n_steps - round(n_steps)) > 1e-9 * max(1.0, n_steps):
        raise fail("step", f"must divide the horizon ({format_duration(horizon)}), got {format_duration(step)}",
                   w("step"))
    if round(n_steps) > MAX_STEPS:
        raise fail("step", f"gives {round(n_steps):,} steps over the horizon; at most {MAX_STEPS:,} are allowed",
                   w("step"))

    model = top["model"]
    raw_content = raw.data.get("content") or {}
    if model == "cascade":
        if top["threshold"] is not None:
            raise fail("threshold", "only used with model: threshold (this scenario uses model: cascade)",
                       w("threshold"))
        if top["content"]["stickiness"] is None:
            raise fail("content.stickiness", "required with model: cascade (probability that a view leads to a "
                       "share, in [0, 1])", w("content"))
        threshold = None
    else:
        for k in ("stickiness", "half_life", "fatigue"):
            if isinstance(raw_content, dict) and raw_content.get(k) is not None:
                raise fail(f"content.{k}", "not used by model: threshold (remove it, or set it to null in a file "
                           "that extends a cascade scenario)", w(f"content.{k}"))
        t = top["threshold"] or schema.check_section(schema.THRESHOLD, {}, "threshold", w)
        bounds = PARAMETERS[f"threshold_{t['rule']}"]
        if t["level"] is not None and not bounds.contains(t["level"]):
            raise fail("threshold.level", must_be(f"{bounds.describe()} with rule: {t['rule']}", t["level"]),
                       w("threshold.level"))
        threshold = ThresholdRule(t["rule"], t["level"])

    audience = _audience(top["audience"], raw, model)
    campaign = _campaign(top["campaign"], audience, model, horizon, w)
    valuation = _valuation(top["valuation"], w)
    baseline = _baseline(top["baseline"], raw)
    extra, interactions = _world(top, raw, audience, model, horizon)
    paid = sum(b.impressions for c in (campaign, *(x.campaign for x in extra)) for b in c.boosts)
    if paid > MAX_PAID_IMPRESSIONS:
        raise fail("campaign.boost", f"the boosts buy {paid:,} paid impressions per run in all; at most "
                   f"{MAX_PAID_IMPRESSIONS:,} fit the simulation", w("campaign"))

    limit = memory_limit_bytes()
    result_bytes = top["runs"] * (round(n_steps) + 1) * 8 * 6 + top["runs"] * 8 * 40
    if result_bytes > limit:
        raise fail("runs", f"{top['runs']:,} runs x {round(n_steps) + 1:,} time steps need about "
                   f"{result_bytes / _GIB:,.1f} GiB of results; the limit is {limit / _GIB:,.1f} GiB "
                   "(fewer runs or a coarser step)", w("runs"))

    c = top["content"]
    p = top["platform"]
    scenario = Scenario(
        name=top["name"],
        description=top["description"],
        seed=top["seed"],
        runs=top["runs"],
        horizon_h=horizon,
        step_h=step,
        model=model,
        threshold=threshold,
        audience=audience,
        content=_content(c),
        platform=Platform(p["feed_reach"], p["delay"]["median"], p["delay"]["sigma"], p["attention"], p["collision"]),
        campaign=campaign,
        valuation=valuation,
        baseline=baseline,
        contents=extra,
        interactions=interactions,
        source=raw.path,
        sources=tuple(raw.chain),
        resolved=_resolved(top, audience, model, baseline),
        where=dict(raw.where),
    )
    return scenario


def _content(c: dict) -> Content:
    return Content(c["stickiness"], c["half_life"], c["fatigue"], c["engagement_rate"], c["click_rate"],
                   c["conversion_rate"], c["name"], c["sentiment"], c["owner"])


_OWN_KEYS = ("name", "sentiment", "owner")  # a further content does not inherit these from the main one


def _world(top: dict, raw: RawScenario, audience: Audience, model: str, horizon: float):
    """The further contents and interactions: names, triggers (known contents, no cycle), pairs."""
    w = raw.where_of
    if not top["contents"]:
        if top["interactions"]:
            raise fail("interactions", "needs `contents`: there is only one content in this scenario",
                       w("interactions"))
        return (), ()
    if model != "cascade":
        raise fail("contents", "several contents run the share cascade (model: cascade); this scenario uses "
                   "model: threshold", w("contents"))
    main_raw = raw.data.get("content") or {}
    raw_items = raw.data.get("contents") or []
    names = [top["content"]["name"]]
    extra = []
    for i, item in enumerate(top["contents"]):
        path = f"contents[{i}]"
        own = (raw_items[i].get("content") or {}) if i < len(raw_items) and isinstance(raw_items[i], dict) else {}
        if "name" not in own:
            raise fail(f"{path}.content.name", "required: a name for this content (distinct from the others)",
                       w(f"{path}.content"))
        merged = {k: v for k, v in main_raw.items() if k not in _OWN_KEYS} if isinstance(main_raw, dict) else {}
        merged.update(own)
        c = schema.check_section(schema.CONTENT, merged, f"{path}.content", w)
        if c["stickiness"] is None:
            raise fail(f"{path}.content.stickiness", "required (here or in the main content)", w(f"{path}.content"))
        if c["name"] in names:
            raise fail(f"{path}.content.name", f"{c['name']!r} is already the name of another content; names must "
                       "be distinct", w(f"{path}.content.name"))
        names.append(c["name"])
        try:
            campaign = _campaign(item["campaign"], audience, model, horizon, lambda q, p=path: w(f"{p}.{q}"))
        except ScenarioError as exc:  # its paths are relative to this content
            raise ScenarioError(f"{path}.{exc}") from None
        if item["start"] > horizon:
            raise fail(f"{path}.start", f"must be within the horizon ({format_duration(horizon)})", w(f"{path}.start"))
        trig = None
        if item["trigger"] is not None:
            t = item["trigger"]
            tp = f"{path}.trigger.when"
            when = t["when"]
            if not isinstance(when, dict) or len(when) != 1:
                raise fail(tp, "must be one metric and a count, e.g. {reach: 500}", w(tp))
            (metric, level), = when.items()
            if metric not in TRIGGER_METRICS:
                raise fail(tp, f"unknown metric {metric!r}; one of {', '.join(TRIGGER_METRICS)}", w(tp))
            if not WORLD_PARAMETERS["trigger_level"].accepts(level):
                raise fail(f"{tp}.{metric}", must_be(WORLD_PARAMETERS["trigger_level"].describe(), level), w(tp))
            trig = TriggerRule(t["after"], metric, level, t["response_time"])
        extra.append(ExtraContent(_content(c), campaign, item["start"], trig))
    for i, x in enumerate(extra):
        if x.trigger is not None and x.trigger.after not in names:
            p = f"contents[{i}].trigger.after"
            raise fail(p, f"{x.trigger.after!r} is not a content of this scenario ({', '.join(names)})", w(p))
    after = {x.content.name: x.trigger.after for x in extra if x.trigger is not None}
    for i, x in enumerate(extra):
        seen, cur = [x.content.name], x.content.name
        while cur in after:
            cur = after[cur]
            if cur in seen:
                p = f"contents[{i}].trigger.after"
                raise fail(p, f"triggers form a cycle ({' -> '.join(seen + [cur])}): none of them could launch", w(p))
            seen.append(cur)
    inter, pairs = [], set()
    for i, it in enumerate(top["interactions"]):
        for k in ("source", "target"):
            if it[k] not in names:
                p = f"interactions[{i}].{k}"
                raise fail(p, f"{it[k]!r} is not a content of this scenario ({', '.join(names)})", w(p))
        if it["source"] == it["target"]:
            raise fail(f"interactions[{i}].target", "must differ from source", w(f"interactions[{i}]"))
        if (it["source"], it["target"]) in pairs:
            raise fail(f"interactions[{i}]", f"{it['source']} -> {it['target']} is declared twice",
                       w(f"interactions[{i}]"))
        pairs.add((it["source"], it["target"]))
        inter.append(InteractionRule(it["source"], it["target"], it["cross_share"], it["prior_exposure"]))
    return tuple(extra), tuple(inter)


def _audience(a: dict, raw: RawScenario, model: str) -> Audience:
    w = raw.where_of
    segments = tuple(Segment(s["name"], s["share"], s["affinity"]) for s in a["segments"])
    names = [s.name for s in segments]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise fail(f"audience.segments[{i}].name", f"duplicate segment name {name!r}",
                       w(f"audience.segments[{i}].name"))
    if segments:
        total = math.fsum(s.share for s in segments)
        if abs(total - 1.0) > 1e-6:
            raise fail("audience.segments", f"shares must sum to 1, got {total:g}", w("audience.segments"))
    stickiness = raw.data.get("content", {}).get("stickiness") if isinstance(raw.data.get("content"), dict) else None
    if model == "cascade" and isinstance(stickiness, (int, float)):
        for i, s in enumerate(segments):
            if stickiness * s.affinity > 1.0:
                raise fail(f"audience.segments[{i}].affinity", f"stickiness x affinity must be at most 1 (a "
                           f"probability), got {stickiness:g} x {s.affinity:g}", w(f"audience.segments[{i}].affinity"))
    if model == "threshold":
        for i, s in enumerate(segments):
            if s.affinity != 1.0:
                raise fail(f"audience.segments[{i}].affinity", "only used by model: cascade",
                           w(f"audience.segments[{i}].affinity"))

    kind = a["generator"]
    if kind == "file":
        for k in ("nodes",):
            if a[k] is not None:
                raise fail(f"audience.{k}", "not used with generator: file (the file sets the size)", w(f"audience.{k}"))
        if a["params"]:
            raise fail("audience.params", "not used with generator: file", w("audience.params"))
        if a["file"] is None:
            raise fail("audience.file", "required with generator: file (an edge list such as "
                       "../shared/data/facebook_combined.txt.gz)", w("audience"))
        if a["directed"] is None:
            raise fail("audience.directed", "required with generator: file (true: `u v` means v follows u; "
                       "false: friendship)", w("audience"))
        try:
            path = Path(os.path.expanduser(a["file"]))
            if not path.is_absolute():
                path = (raw.dir_of("audience.file") / path).resolve()
            found = path.is_file()
        except (OSError, ValueError) as exc:  # embedded NUL, name too long, ...
            raise fail("audience.file", f"not a usable file path ({exc})", w("audience.file")) from None
        if not found:
            raise fail("audience.file", f"file not found: {path}", w("audience.file"))
        return Audience(kind, None, {}, path, a["directed"], segments)

    for k in ("file", "directed"):
        if a[k] is not None:
            hint = " (set directedness in params for erdos_renyi)" if k == "directed" else ""
            raise fail(f"audience.{k}", f"only used with generator: file{hint}", w(f"audience.{k}"))
    if a["nodes"] is None:
        raise fail("audience.nodes", f"required with generator: {kind} (number of users)", w("audience"))
    from ..graph import check_generator_params, estimate_graph_bytes

    n = a["nodes"]
    params = dict(a["params"])
    if kind == "segmented":
        for k in ("shares", "names"):
            if k in params:
                raise fail(f"audience.params.{k}", "comes from audience.segments; remove it here",
                           w(f"audience.params.{k}"))
        if not segments:
            raise fail("audience.segments", "required with generator: segmented", w("audience"))
        full = {**params, "shares": [s.share for s in segments], "names": names}
    else:
        full = params
    try:
        checked = check_generator_params(kind, n, full)
    except InvalidParameterError as exc:
        key = "audience.nodes" if exc.parameter == "nodes" else (
            f"audience.params.{exc.parameter}" if exc.parameter else "audience.params")
        raise fail(key, exc.detail, w(key)) from None
    try:
        need = int(estimate_graph_bytes(kind, n, **(checked if checked is not None else full)))
    except ViralsimError as exc:
        raise fail("audience.params", str(exc), w("audience.params")) from None
    limit = memory_limit_bytes()
    if need > limit:
        raise fail("audience.nodes", f"a {kind} graph of {n:,} users needs about {need / _GIB:,.1f} GiB; the "
                   f"limit is {limit / _GIB:,.1f} GiB (set VIRALSIM_MAX_MEMORY_BYTES to raise it)", w("audience.nodes"))
    return Audience(kind, n, params, None, None, segments)


def _campaign(c: dict, audience: Audience, model: str, horizon: float, w) -> Campaign:
    """The campaign section: hour-0 seeding and boost, later waves, fees, budget; cross-key checks."""
    waves = []
    if c["seeding"] is not None or c["boost"] is not None:
        waves.append((0.0, c["seeding"], c["boost"], "campaign"))
    for i, wave in enumerate(c["waves"]):
        path = f"campaign.waves[{i}]"
        if wave["seeding"] is None and wave["boost"] is None:
            raise fail(path, "a wave needs a seeding section, a boost, or both", w(path))
        if wave["at"] >= horizon:
            raise fail(f"{path}.at", f"must be before the horizon ({format_duration(horizon)}), got "
                       f"{format_duration(wave['at'])}", w(f"{path}.at"))
        if wave["boost"] is not None and wave["boost"]["at"] is not None:
            raise fail(f"{path}.boost.at", "a wave's boost starts at the wave's `at`; remove it here",
                       w(f"{path}.boost.at"))
        waves.append((wave["at"], wave["seeding"], wave["boost"], path))

    try:
        cost = CostModel(per_seed=c["cost"]["per_seed"], fixed=c["cost"]["fixed"],
                         per_follower=c["cost"]["per_follower"],
                         tiers=tuple(Tier(t["name"], t["min_followers"], t["fee"]) for t in c["cost"]["tiers"]))
    except ViralsimError as exc:
        raise fail("campaign.cost.tiers", str(exc), w("campaign.cost.tiers")) from None

    out, fill = [], []
    for at, seeding, boost, path in waves:
        sd = _seeding(seeding, audience, model, f"{path}.seeding", w) if seeding is not None else None
        if sd is not None and sd.fills_budget:
            if not sd.fee:
                raise fail(f"{path}.seeding.count", "required: these seeds are not paid (fee: false), so a budget "
                           "cannot limit their number", w(f"{path}.seeding"))
            fill.append((f"{path}.seeding", sd))
        bo = _boost(boost, audience, at, horizon, f"{path}.boost", w) if boost is not None else None
        out.append(Wave(at, sd, bo, path))
    budget = c["budget"]
    for p, sd in fill:
        if budget is None:
            raise fail(f"{p}.count", f"required with strategy: {sd.strategy} (number of seed accounts), unless "
                       "campaign.budget is set to buy as many as it allows", w(p))
        if not STRATEGIES[sd.strategy].fills_budget:
            raise fail(f"{p}.count", f"required with strategy: {sd.strategy} (it cannot fill a budget)", w(p))
        if not cost.charges_seeds:
            raise fail(f"{p}.count", "required: campaign.cost charges nothing per seed, so the budget cannot limit "
                       "the number of seeds (set per_seed, per_follower or tiers)", w(p))
    if len(fill) > 1:
        raise fail(f"{fill[1][0]}.count", f"only one seeding may fill the budget (also {fill[0][0]} has no count); "
                   "give the others a count", w(fill[1][0]))
    if budget is not None:
        committed = cost.fixed + sum(wv.boost.cost for wv in out if wv.boost is not None)
        if committed > budget:
            raise fail("campaign.budget", f"is {budget:,.2f} but the fixed cost and boosts alone cost "
                       f"{committed:,.2f}", w("campaign.budget"))
        if fill and committed >= budget:
            raise fail("campaign.budget", f"is {budget:,.2f}, all spent on the fixed cost and boosts "
                       f"({committed:,.2f}): nothing is left for the seeds of {fill[0][0]}", w("campaign.budget"))
    return Campaign(tuple(out), cost, budget)


def _boost(b: dict, audience: Audience, at: float, horizon: float, path: str, w) -> Boost:
    if (b["impressions"] is None) == (b["spend"] is None):
        raise fail(path, "give exactly one of impressions (paid impressions bought) or spend (money; buys "
                   "spend / cpm x 1000 impressions)", w(path))
    if b["segment"] is not None:
        _check_segment(b["segment"], audience, f"{path}.segment", w)
    start = at if b["at"] is None else b["at"]
    try:
        if b["spend"] is not None:
            boost = Boost.from_spend(b["spend"], b["cpm"], at_h=start, over_h=b["over"], segment=b["segment"])
        else:
            boost = Boost(b["impressions"], b["cpm"], at_h=start, over_h=b["over"], segment=b["segment"])
        boost.placements(1.0 if horizon >= 1.0 else horizon, horizon)
    except ViralsimError as exc:
        raise fail(path, str(exc), w(path)) from None
    return boost


def _check_segment(name: str, audience: Audience, path: str, w) -> None:
    names = [g.name for g in audience.segments]
    if name not in names:
        msg = f"unknown segment {name!r}" + (schema.suggest(name, names) if names else
                                             "; audience.segments declares none")
        raise fail(path, msg, w(path))


def _seeding(s: dict, audience: Audience, model: str, path: str, w) -> Seeding:
    spec = STRATEGIES[s["strategy"]]
    for k in ("nodes", "min_followers", "max_followers", "objective", "epsilon", "ell", "simulations"):
        if s[k] is not None and k not in spec.options:
            users = ", ".join(n for n, other in STRATEGIES.items() if k in other.options)
            raise fail(f"{path}.{k}", f"only used by strategy {users} (this one is {spec.name})", w(f"{path}.{k}"))
    if spec.needs_cascade and model != "cascade":
        raise fail(f"{path}.strategy", f"{spec.name} optimises the share model of model: cascade; with model: "
                   "threshold use random, top_degree, pagerank, kcore or explicit", w(f"{path}.strategy"))
    options = {k: s[k] for k in spec.options if s.get(k) is not None}
    if (options.get("min_followers") is not None and options.get("max_followers") is not None
            and options["min_followers"] > options["max_followers"]):
        raise fail(f"{path}.max_followers", f"must be >= min_followers ({options['min_followers']}), got "
                   f"{options['max_followers']}", w(f"{path}.max_followers"))
    for k in spec.required:
        if k not in options:
            raise fail(f"{path}.{k}", f"required with strategy: {spec.name}", w(path))
    if s["strategy"] == "explicit" and s["count"] is not None and s["count"] != len(s["nodes"]):
        raise fail(f"{path}.count", f"is {s['count']} but {len(s['nodes'])} nodes are listed", w(f"{path}.count"))
    if s["nodes"] is not None and audience.nodes is not None:
        bad = [v for v in s["nodes"] if isinstance(v, str) or v >= audience.nodes]
        if bad:
            raise fail(f"{path}.nodes", f"node id {bad[0]!r} does not exist: a generated audience has ids 0 "
                       f"to {audience.nodes - 1:,}", w(f"{path}.nodes"))
    if s["count"] is not None and audience.nodes is not None and s["count"] > audience.nodes:
        raise fail(f"{path}.count", f"must be at most the audience size ({audience.nodes:,}), got "
                   f"{s['count']:,}", w(f"{path}.count"))
    if s["segment"] is not None:
        _check_segment(s["segment"], audience, f"{path}.segment", w)
    return Seeding(s["strategy"], s["count"], s["segment"], options, s["fee"])


def _baseline(value: str | None, raw: RawScenario) -> Path | None:
    """The baseline scenario file, resolved against the file that names it; it must exist."""
    if value is None:
        return None
    try:
        path = Path(os.path.expanduser(value))
        if not path.is_absolute():
            path = (raw.dir_of("baseline") / path).resolve()
        found = path.is_file()
    except (OSError, ValueError) as exc:
        raise fail("baseline", f"not a usable file path ({exc})", raw.where_of("baseline")) from None
    if not found:
        raise fail("baseline", f"file not found: {path}", raw.where_of("baseline"))
    return path


def _valuation(v: dict | None, w) -> Valuation | None:
    if v is None:
        return None
    needs = {"cpm": ("cpm",), "per_action": ("per_engagement", "per_click"),
             "hybrid": ("cpm", "per_engagement", "per_click")}[v["emv"]]
    for k in needs:
        if v[k] is None:
            raise fail(f"valuation.{k}", f"required with emv: {v['emv']} (an amount in {v['currency']})",
                       w("valuation"))
    return Valuation(emv=v["emv"], currency=v["currency"], cpm=v["cpm"], per_engagement=v["per_engagement"],
                     per_click=v["per_click"], per_conversion=v["per_conversion"])


def _resolved(top: dict, audience: Audience, model: str, baseline: Path | None) -> dict[str, Any]:
    """The validated scenario as a plain mapping (defaults filled, durations as text, paths absolute)."""
    out: dict[str, Any] = {}
    for key in schema.TOP.keys:
        if key.name == "extends":
            continue
        value = top[key.name]
        if value is None:
            continue
        out[key.name] = _plain(key, value)
    if audience.file is not None:
        out["audience"]["file"] = str(audience.file)
    if baseline is not None:
        out["baseline"] = str(baseline)
    if model == "threshold":
        out["content"] = {k: v for k, v in out["content"].items() if k not in ("stickiness", "half_life", "fatigue")}
    return out


def _plain(key: schema.Key, value: Any) -> Any:
    if key.kind == "duration":
        return format_duration(value)
    if key.kind == "section":
        return {k.name: _plain(k, value[k.name]) for k in key.section.keys if value.get(k.name) is not None}
    if key.kind == "sections":
        return [_plain(schema.Key("item", "section", "", section=key.section), v) for v in value]
    return value
