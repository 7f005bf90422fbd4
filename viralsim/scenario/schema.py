"""Declarative constraint tables for scenario files (one table per section).

Each :class:`Key` states its type, allowed range or options, unit, default (or that it is
required) and a one-line doc.  The same tables drive validation (:func:`check_section`), the
``--set`` override parser (:func:`lookup`) and the key reference in ``scenarios/README.md``
(:func:`reference_markdown`), so the documentation cannot drift from the checks.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ..campaign.boost import BOOST_PARAMETERS
from ..campaign.influence import INFLUENCE_PARAMETERS
from ..campaign.valuation import EMV_FORMULAS, MONEY_PARAMETERS
from ..constraints import Interval, format_bound, must_be, show
from ..errors import ScenarioError
from ..graph.generators import NODES
from ..model.params import PARAMETERS
from ..model.world import COLLISIONS, OWNERS, SENTIMENTS, TRIGGER_METRICS, WORLD_PARAMETERS
from ..random import SEED

__all__ = [
    "REQUIRED",
    "Key",
    "Section",
    "TOP",
    "SECTIONS",
    "parse_duration_h",
    "format_duration",
    "lookup",
    "check_section",
    "reference_markdown",
    "fail",
    "Where",
]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([mhd])\s*$")
_UNIT_HOURS = {"m": 1.0 / 60.0, "h": 1.0, "d": 24.0}
AUDIENCE_NODES = Interval(2, NODES.high, integer=True)  # a graph of NODES, with someone to spread to


@dataclass(frozen=True)
class Where:
    """Where a value came from: a file and line, or a command-line override."""

    source: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.source} line {self.line}" if self.line is not None else self.source


def fail(path: str, message: str, where: Where | None) -> ScenarioError:
    """The one error template: ``path: message (file line N)``."""
    suffix = f" ({where})" if where is not None else ""
    prefix = f"{path}: " if path else ""
    return ScenarioError(f"{prefix}{message}{suffix}")


def parse_duration_h(text: Any) -> float:
    """``"72h"``, ``"30m"``, ``"2d"``, ``"1.5h"`` -> hours.  Plain numbers are rejected (no unit guessing)."""
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError("plain numbers are not durations")
    m = _DURATION.match(text)
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * _UNIT_HOURS[m.group(2)]


def format_duration(hours: float) -> str:
    """Hours -> the shortest exact duration string (``72h``, ``30m``, ``2d``, ``1.5h``)."""
    if float(hours).is_integer():
        return f"{int(hours)}h"
    minutes = hours * 60.0
    if abs(minutes - round(minutes)) < 1e-9:
        return f"{int(round(minutes))}m"
    return f"{hours!r}h"


@dataclass(frozen=True)
class Key:
    """One scenario key: its type, constraint, unit, default and doc.

    ``kind`` is one of ``int``, ``float``, ``str``, ``bool``, ``duration``, ``money``, ``path``,
    ``mapping`` (free-form, checked elsewhere), ``section`` (nested table), ``sections`` (a list
    of nested tables), ``ids`` (a list of node ids).
    """

    name: str
    kind: str
    doc: str
    unit: str = ""
    bounds: Interval | None = None
    options: tuple[str, ...] | Callable[[], tuple[str, ...]] | None = None
    pattern: re.Pattern | None = None
    default: Any = REQUIRED
    nullable: bool = False
    required_when: str = ""
    section: "Section | None" = None

    @property
    def allowed_options(self) -> tuple[str, ...] | None:
        return self.options() if callable(self.options) else self.options

    def describe(self) -> str:
        """What is allowed, in words (used in messages and in the README)."""
        k = self.kind
        if k in ("int", "float", "money"):
            noun = {"int": "an integer", "float": "a number", "money": "an amount"}[k]
            text = self.bounds.describe(noun) if self.bounds is not None else noun
        elif k == "str":
            opts = self.allowed_options
            if opts is not None:
                text = "one of " + ", ".join(repr(o) for o in opts)
            elif self.pattern is NAME_PATTERN:
                text = "a name of letters, digits, '_', '.', '-' (at most 64)"
            elif self.pattern is CURRENCY_PATTERN:
                text = "a 3-letter ISO 4217 currency code such as USD"
            else:
                text = "a string"
        elif k == "bool":
            text = "true or false"
        elif k == "duration":
            text = "a duration with unit m, h or d, such as 72h, 30m or 2d"
            b = self.bounds
            if b is not None and b.low == 0 and b.low_open:
                text = "a positive " + text[2:]
            if b is not None and b.high is not None and math.isfinite(b.high):
                text += f", at most {format_duration(b.high)}"
        elif k == "path":
            text = "a file path"
        elif k == "mapping":
            text = "a mapping"
        elif k == "section":
            text = "a mapping"
        elif k == "sections":
            text = "a list of mappings"
        elif k == "ids":
            text = "a list of node ids (integers, or names as in the edge-list file)"
        else:  # pragma: no cover - table error
            raise AssertionError(k)
        if self.nullable:
            text += " or null"
        return text


@dataclass(frozen=True)
class Section:
    """A table of keys (a mapping in the scenario file)."""

    name: str
    doc: str
    keys: tuple[Key, ...]
    keys_by_name: dict[str, Key] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys_by_name", {k.name: k for k in self.keys})


def _generator_names() -> tuple[str, ...]:
    from ..graph import GENERATORS

    return tuple(sorted(GENERATORS)) + ("file",)


def _strategy_names() -> tuple[str, ...]:
    from ..campaign.seeding import STRATEGIES

    return tuple(STRATEGIES)


SEGMENT = Section(
    "audience.segments[]",
    "One audience segment.",
    (
        Key("name", "str", "Segment name, used by `campaign.seeding.segment` and in reports.", pattern=NAME_PATTERN),
        Key("share", "float", "Share of the audience in this segment; shares must sum to 1.", "fraction",
            bounds=Interval(0.0, 1.0, "right")),
        Key("affinity", "float", "Multiplier on the share probability of this segment's users (cascade model).",
            "multiplier", bounds=PARAMETERS["affinity"], default=1.0),
    ),
)

AUDIENCE = Section(
    "audience",
    "The social graph the content spreads on.",
    (
        Key("generator", "str", "Graph generator of the graph layer (`viralsim graph generate --help`), or `file` "
            "to read an edge list / .npz.", options=_generator_names),
        Key("nodes", "int", "Number of users (generators only).", "users", bounds=AUDIENCE_NODES, default=None,
            required_when="generator is not file"),
        Key("params", "mapping", "Generator parameters, e.g. `{m: 5, triangle_prob: 0.4}` for holme_kim; checked by "
            "the generator.", default={}),
        Key("file", "path", "Edge list (`u v` per line, .gz allowed) or .npz graph; relative to the scenario file "
            "that sets it.", default=None, required_when="generator is file"),
        Key("directed", "bool", "Whether the file's arcs are directed (`u v` = v follows u); false for friendship "
            "graphs.", default=None, required_when="generator is file"),
        Key("segments", "sections", "Audience segments; labels are drawn at random by share (or built by the "
            "`segmented` generator).", default=[], section=SEGMENT),
    ),
)

CONTENT = Section(
    "content",
    "The post and how people react to it.",
    (
        Key("name", "str", "The content's name in a world of several contents (reports, interactions, triggers).",
            pattern=NAME_PATTERN, default="content"),
        Key("sentiment", "str", "What the content says about the brand: net sentiment counts users whose last view "
            "was positive minus negative.", options=SENTIMENTS, default="neutral"),
        Key("owner", "str", "Who speaks: share of voice is the `brand`'s share over all contents.", options=OWNERS,
            default="brand"),
        Key("stickiness", "float", "Probability that a user who sees the post shares it (at full novelty).",
            "probability per view", bounds=PARAMETERS["stickiness"], default=None, required_when="model is cascade"),
        Key("half_life", "duration", "Novelty half-life: the share probability halves every half_life after the "
            "campaign starts; null for evergreen content.", "hours", bounds=PARAMETERS["half_life"], default=None,
            nullable=True),
        Key("fatigue", "float", "A user's k-th view of the post shares with fatigue^(k-1) times the base "
            "probability (1 = no fatigue).", "multiplier per repeat view", bounds=PARAMETERS["fatigue"], default=1.0),
        Key("engagement_rate", "float", "Probability that a view leads to an engagement (like, comment).",
            "per view", bounds=PARAMETERS["engagement_rate"], default=0.0),
        Key("click_rate", "float", "Probability that a view leads to a click to the site.", "per view",
            bounds=PARAMETERS["click_rate"], default=0.0),
        Key("conversion_rate", "float", "Probability that a click converts (purchase, sign-up).", "per click",
            bounds=PARAMETERS["conversion_rate"], default=0.0),
    ),
)

DELAY = Section(
    "platform.delay",
    "Log-normal delay between a post (or share) and its view by a follower.",
    (
        Key("median", "duration", "Median delay (each delay is rounded to whole steps, at least one).", "hours",
            bounds=PARAMETERS["delay_median"], default="1h"),
        Key("sigma", "float", "Log-normal shape (0 = every delay equals the median).", "log-hours",
            bounds=PARAMETERS["delay_sigma"], default=0.0),
    ),
)

PLATFORM = Section(
    "platform",
    "How the platform delivers shares.",
    (
        Key("feed_reach", "float", "Probability that a post in a follower's feed is viewed at all.",
            "probability", bounds=PARAMETERS["feed_reach"], default=1.0),
        Key("delay", "section", "Delivery delay.", default={}, section=DELAY),
        Key("attention", "int", "Posts a user views per step at most, over all contents; later posts of the step "
            "are dropped (not viewed, no share chance); null: no limit.", "posts per step",
            bounds=WORLD_PARAMETERS["attention"], default=None,
            nullable=True),
        Key("collision", "str", "Which of the events of one step comes first (first exposure, attention, "
            "prior exposure): `first` generated, `positive` or `negative` contents first, or `random` (contents in "
            "a random order per step).", options=COLLISIONS, default="first"),
    ),
)

THRESHOLD = Section(
    "threshold",
    "Parameters of `model: threshold` (a user shares once enough of the accounts they follow have shared).",
    (
        Key("rule", "str", "`fraction`: threshold on the fraction of followed accounts that shared; `count`: on "
            "their number.", options=("fraction", "count"), default="fraction"),
        Key("level", "float", "The threshold (a fraction in (0, 1] or a count >= 1); null draws a uniform "
            "threshold per user and run (linear threshold).", bounds=Interval(0.0, None, "right"), default=None,
            nullable=True),
    ),
)

SEEDING = Section(
    "campaign.seeding",
    "Who posts the content first (the seeds' own posts are the owned impressions).",
    (
        Key("strategy", "str", "`random`, `top_degree` (most followers; ties by node id), `pagerank`, `kcore`, "
            "`degree_discount` (Chen et al. 2009), `imm` (influence maximisation with a guarantee, Tang et al. "
            "2015), `celf` (Monte Carlo greedy, small graphs) or `explicit` (listed `nodes`).",
            options=_strategy_names),
        Key("count", "int", "Number of seed accounts. Omit it with a `campaign.budget` to buy as many as the budget "
            "allows (imm: budgeted influence maximisation; others: in rank order while fees fit).", "accounts",
            bounds=Interval(1, NODES.high, integer=True), default=None,
            required_when="strategy is not explicit and there is no campaign.budget"),
        Key("segment", "str", "Restrict the choice to this audience segment.", default=None,
            pattern=NAME_PATTERN),
        Key("nodes", "ids", "Seed node ids, as in the edge-list file (strategy explicit only).", default=None,
            required_when="strategy is explicit"),
        Key("min_followers", "int", "Only accounts with at least this many followers (all strategies but "
            "explicit), e.g. a micro-influencer tier.", "followers", bounds=Interval(0, None, integer=True),
            default=None, nullable=True),
        Key("max_followers", "int", "Only accounts with at most this many followers (all strategies but explicit).",
            "followers", bounds=Interval(0, None, integer=True), default=None, nullable=True),
        Key("objective", "str", "What imm and celf maximise: `reach` (users who see the post) or `posters` (seeds "
            "plus sharers, the classic IC spread); null means reach.", options=("reach", "posters"),
            default=None, nullable=True),
        Key("epsilon", "float", "imm's accuracy: the seeds reach at least (1 - 1/e - epsilon) of the optimum of the "
            "share model without decay; null means 0.1.", bounds=INFLUENCE_PARAMETERS["epsilon"], default=None,
            nullable=True),
        Key("ell", "float", "imm's confidence: the guarantee holds with probability 1 - 1/n^ell; null means 1.",
            bounds=INFLUENCE_PARAMETERS["ell"], default=None, nullable=True),
        Key("simulations", "int", "celf's Monte Carlo worlds per evaluation; null means 1000.", "worlds",
            bounds=INFLUENCE_PARAMETERS["simulations"], default=None, nullable=True),
        Key("fee", "bool", "Whether these seeds are paid their fee under campaign.cost; false for the brand's own "
            "accounts.", default=True),
    ),
)

TIER = Section(
    "campaign.cost.tiers[]",
    "An influencer tier by follower count.",
    (
        Key("name", "str", "Tier name (nano, micro, macro, mega...), used in attribution.", pattern=NAME_PATTERN),
        Key("min_followers", "int", "Accounts with at least this many followers, up to the next tier, are in this "
            "tier; the first tier starts at 0.", "followers", bounds=MONEY_PARAMETERS["min_followers"]),
        Key("fee", "money", "Fee per seed account of this tier.", "currency per seed",
            bounds=MONEY_PARAMETERS["amount"]),
    ),
)

COST = Section(
    "campaign.cost",
    "What the campaign costs. A seed's fee = per_seed + per_follower x followers + its tier's fee; paid cost = "
    "seed fees + boosts; total = paid + fixed.",
    (
        Key("per_seed", "money", "Fee paid to each seed account (influencer fee).", "currency per seed",
            bounds=MONEY_PARAMETERS["amount"], default=0.0),
        Key("per_follower", "money", "Fee per follower of each seed account (cost proportional to audience).",
            "currency per follower", bounds=MONEY_PARAMETERS["amount"], default=0.0),
        Key("tiers", "sections", "Influencer tiers by follower count, by increasing min_followers (e.g. nano 0, "
            "micro 1000, macro 10000, mega 100000), each with its fee.", default=[], section=TIER),
        Key("fixed", "money", "Fixed cost (production, agency).", "currency", bounds=MONEY_PARAMETERS["amount"],
            default=0.0),
    ),
)

BOOST = Section(
    "campaign.boost",
    "A paid boost: impressions bought at a CPM, shown to random users (or one segment) over a time window; its "
    "viewers may share.",
    (
        Key("impressions", "int", "Paid impressions bought (or give `spend`).", "impressions",
            bounds=BOOST_PARAMETERS["impressions"], default=None, required_when="spend is not given"),
        Key("spend", "money", "Money spent on the boost; buys spend / cpm x 1000 impressions (or give "
            "`impressions`).", "currency", bounds=Interval(0.0, None, "right"), default=None,
            required_when="impressions is not given"),
        Key("cpm", "money", "Price of 1000 paid impressions.", "currency per 1000 impressions",
            bounds=BOOST_PARAMETERS["cpm"]),
        Key("at", "duration", "When delivery starts, after the first post (in a wave: the wave's `at`).", "hours",
            bounds=PARAMETERS["paid_time"], default=None, nullable=True),
        Key("over", "duration", "Delivery window; impressions are split evenly over its steps (0h: all at once).",
            "hours", bounds=BOOST_PARAMETERS["over_h"], default="0h"),
        Key("segment", "str", "Show the boost only to this audience segment.", default=None, pattern=NAME_PATTERN),
    ),
)

WAVE = Section(
    "campaign.waves[]",
    "A later post or wave of the schedule: seeds who post at `at`, a boost starting at `at`, or both.",
    (
        Key("at", "duration", "When this wave posts, in hours after the start (e.g. 24h).", "hours",
            bounds=PARAMETERS["paid_time"]),
        Key("seeding", "section", "The wave's seed accounts (never accounts seeded by an earlier wave).",
            default=None, section=SEEDING),
        Key("boost", "section", "The wave's paid boost.", default=None, section=BOOST),
    ),
)

CAMPAIGN = Section(
    "campaign",
    "The campaign: who posts at hour 0 (`seeding`), a paid `boost`, later `waves`, fees and budget. A campaign "
    "with none of them is the organic, no-campaign world.",
    (
        Key("seeding", "section", "Seed accounts posting at hour 0.", default=None, section=SEEDING),
        Key("boost", "section", "A paid boost.", default=None, section=BOOST),
        Key("waves", "sections", "Further posts on a schedule, each with its own seeds and/or boost.", default=[],
            section=WAVE),
        Key("budget", "money", "Money available for the whole campaign (seed fees + boosts + fixed). Checked; with a "
            "seeding `count` omitted, seeds are bought with what is left.", "currency",
            bounds=MONEY_PARAMETERS["budget"], default=None),
        Key("cost", "section", "Campaign cost.", default={}, section=COST),
    ),
)

VALUATION = Section(
    "valuation",
    "Earned media value (EMV) and return on investment.",
    (
        Key("currency", "str", "Currency of every amount.", pattern=CURRENCY_PATTERN, default="USD"),
        Key("emv", "str", "EMV formula: `cpm` = earned impressions / 1000 x cpm; `per_action` = earned engagements "
            "x per_engagement + earned clicks x per_click; `hybrid` = both added.",
            options=EMV_FORMULAS.values),
        Key("cpm", "money", "Value of 1000 earned impressions.", "currency per 1000 impressions",
            bounds=MONEY_PARAMETERS["amount"], default=None, required_when="emv is cpm or hybrid"),
        Key("per_engagement", "money", "Value of one earned engagement.", "currency per engagement",
            bounds=MONEY_PARAMETERS["amount"], default=None, required_when="emv is per_action or hybrid"),
        Key("per_click", "money", "Value of one earned click.", "currency per click", bounds=MONEY_PARAMETERS["amount"],
            default=None,
            required_when="emv is per_action or hybrid"),
        Key("per_conversion", "money", "Value of one conversion (owned or earned), added to EMV in ROI.",
            "currency per conversion", bounds=MONEY_PARAMETERS["amount"], default=0.0),
    ),
)

TRIGGER = Section(
    "contents[].trigger",
    "Launch this content inside each replicate once another content passes a threshold (the brand's response).",
    (
        Key("after", "str", "The content whose spread triggers this one.", pattern=NAME_PATTERN),
        Key("when", "mapping", f"One of {', '.join(TRIGGER_METRICS)} and a count >= 1, e.g. `{{reach: 500}}`: "
            "users with a view, shares (seeds' posts excluded) or views of `after`."),
        Key("response_time", "duration", "Delay from the step the threshold is passed to this content's launch.",
            "hours", bounds=WORLD_PARAMETERS["response_time"], default="0h"),
    ),
)

EXTRA_CONTENT = Section(
    "contents[]",
    "A further content in the same world (a rumour's answer, a competitor's launch). Its `content` keys not given "
    "are the main content's (except name, sentiment, owner); its campaign's times are hours after its launch.",
    (
        Key("content", "section", "The content (name required).", section=CONTENT),
        Key("campaign", "section", "Who posts it (the brand's page, influencers, boosts).", section=CAMPAIGN),
        Key("start", "duration", "Launch hour (ignored with a trigger).", "hours", bounds=WORLD_PARAMETERS["start"],
            default="0h"),
        Key("trigger", "section", "Launch it when another content passes a threshold.", default=None,
            section=TRIGGER),
    ),
)

INTERACTION = Section(
    "interactions[]",
    "How one content changes the sharing of another for one user (both factors multiply the share probability).",
    (
        Key("source", "str", "The content that acts.", pattern=NAME_PATTERN),
        Key("target", "str", "The content whose sharing changes.", pattern=NAME_PATTERN),
        Key("cross_share", "float", "For a user who has posted `source`: 0 blocks sharing `target`.", "multiplier",
            bounds=WORLD_PARAMETERS["cross_share"], default=1.0),
        Key("prior_exposure", "float", "For a user who viewed `source` before first viewing `target` (< 1: the "
            "rumour seen first discounts the denial, or the denial seen first inoculates).", "multiplier",
            bounds=WORLD_PARAMETERS["prior_exposure"], default=1.0),
    ),
)

TOP = Section(
    "",
    "A scenario file.",
    (
        Key("name", "str", "Scenario name: the output folder `DIR/<name>/`. Not inherited through extends.",
            pattern=NAME_PATTERN, default="the file name without .yaml"),
        Key("description", "str", "What the scenario shows. Not inherited through extends.", default=""),
        Key("extends", "path", "Another scenario file to inherit (relative to this file); mappings merge, lists "
            "replace, null removes an inherited key.", default=None),
        Key("baseline", "path", "The no-campaign world to measure incrementality against (e.g. `organic.yaml`, "
            "relative to this file): run with the same seed, runs and audience, it gives incremental reach, "
            "impressions, conversions and EMV. Not inherited through extends.", default=None),
        Key("seed", "int", "Master random seed: graph, seeding choices and every replicate derive from it.",
            bounds=SEED),
        Key("runs", "int", "Monte Carlo replicates.", "replicates", bounds=PARAMETERS["runs"], default=1000),
        Key("horizon", "duration", "Simulated time after the first post.", "hours", bounds=PARAMETERS["horizon"],
            default="72h"),
        Key("step", "duration", "Reporting step of the time series; must divide the horizon.", "hours",
            bounds=PARAMETERS["step"], default="1h"),
        Key("model", "str", "Contagion model: `cascade` (independent share decisions per view) or `threshold`.",
            options=("cascade", "threshold"), default="cascade"),
        Key("threshold", "section", "Threshold model parameters (model: threshold only).", default=None,
            section=THRESHOLD),
        Key("audience", "section", "The social graph.", section=AUDIENCE),
        Key("content", "section", "The content.", default={}, section=CONTENT),
        Key("platform", "section", "The platform.", default={}, section=PLATFORM),
        Key("campaign", "section", "The campaign.", section=CAMPAIGN),
        Key("contents", "sections", "Further contents in the same world as the main one (`content` + `campaign`): "
            "listed first, the main content keeps its random numbers across scenarios that add or change others.",
            default=[], section=EXTRA_CONTENT),
        Key("interactions", "sections", "Per ordered pair of contents: cross-sharing and prior-exposure factors.",
            default=[], section=INTERACTION),
        Key("valuation", "section", "Earned media value; omit to report no money metrics.", default=None,
            section=VALUATION),
    ),
)

SECTIONS: tuple[Section, ...] = (TOP, AUDIENCE, SEGMENT, CONTENT, PLATFORM, DELAY, THRESHOLD, CAMPAIGN, SEEDING,
                                 BOOST, WAVE, COST, TIER, EXTRA_CONTENT, TRIGGER, INTERACTION, VALUATION)


def suggest(name: str, choices) -> str:
    """``"; did you mean 'x'?"`` or the list of allowed names."""
    choices = [str(c) for c in choices]
    close = difflib.get_close_matches(str(name), choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    return "; allowed: " + ", ".join(choices) if choices else ""


def check_value(key: Key, value: Any, path: str, where: Where | None) -> Any:
    """Check one value against its key; return it converted (durations -> hours)."""
    if value is None:
        if key.nullable:
            return None
        raise fail(path, must_be(key.describe(), None), where)
    k = key.kind
    bad = fail(path, must_be(key.describe(), value), where)
    if k == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                raise fail(path, f"must be {key.describe()} written without a decimal point, got {show(value)}", where)
            raise bad
        _check_interval(key, value, bad)
        return int(value)
    if k in ("float", "money"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise bad
        _check_interval(key, value, bad)
        return float(value)
    if k in ("str", "path"):
        if not isinstance(value, str) or (k == "path" and not value.strip()):
            raise bad
        opts = key.allowed_options
        if opts is not None and value not in opts:
            raise fail(path, must_be(key.describe(), value) + _did_you_mean(value, opts), where)
        if key.pattern is not None and not key.pattern.match(value):
            raise bad
        return value
    if k == "bool":
        if not isinstance(value, bool):
            raise bad
        return value
    if k == "duration":
        try:
            hours = parse_duration_h(value)
        except ValueError:
            raise bad from None
        _check_interval(key, hours, bad)
        return hours
    if k in ("mapping", "section"):
        if not isinstance(value, dict):
            raise bad
        return value
    if k == "sections":
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise bad
        return value
    if k == "ids":
        if not isinstance(value, list) or not value or not all(
            (isinstance(v, int) and not isinstance(v, bool) and v >= 0) or (isinstance(v, str) and v.strip())
            for v in value
        ):
            raise fail(path, f"must be a non-empty list of node ids (non-negative integers, or names as written in "
                       f"the edge-list file), got {show(value)}", where)
        return [v if isinstance(v, str) else int(v) for v in value]
    raise AssertionError(k)  # pragma: no cover


def _did_you_mean(value: Any, opts) -> str:
    close = difflib.get_close_matches(str(value), list(opts), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _check_interval(key: Key, x: float, bad: ScenarioError) -> None:
    if key.bounds is not None and not key.bounds.contains(x):
        raise bad


def join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else str(name)


def flatten_settings(data: dict, path: str = "") -> dict[str, str]:
    """A resolved scenario as key paths and readable values: a list of mappings (tiers, waves,
    segments) gives one entry per item and key (``campaign.waves[0].at_h``), a list of plain
    values one comma-separated entry, an empty one ``none`` (the report's settings table, the
    note on a replaced run)."""
    out = {}
    for k, v in data.items():
        p = join(path, k)
        if isinstance(v, dict) and v:
            out.update(flatten_settings(v, p))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for i, item in enumerate(v):
                out.update(flatten_settings(item, join(p, i)) if item else {join(p, i): "none"})
        elif isinstance(v, (list, dict)):
            out[p] = ", ".join(str(x) for x in v) if v else "none"
        else:
            out[p] = "none" if v is None else str(v)
    return out


def check_section(section: Section, data: Any, path: str, where_of: Callable[[str], Where | None],
                  *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check a mapping against ``section``: unknown keys, types, ranges; fill defaults.

    Nested sections are checked recursively.  Required keys with no value raise; keys whose
    requirement depends on other keys (``required_when``) come back as ``None`` for the caller
    to check.
    """
    if not isinstance(data, dict):
        raise fail(path, f"must be a mapping of keys, got {show(data)}", where_of(path))
    out: dict[str, Any] = {}
    for name in data:
        if name not in section.keys_by_name and name not in skip:
            raise fail(join(path, name), "unknown key" + suggest(name, section.keys_by_name), where_of(join(path, name)))
    for key in section.keys:
        if key.name in skip:
            continue
        p = join(path, key.name)
        if key.name not in data:
            if key.default is REQUIRED:
                raise fail(p, f"required ({key.describe()}): {key.doc}", where_of(path) or where_of(""))
            value = key.default
            if key.kind == "duration" and isinstance(value, str):
                value = parse_duration_h(value)
            elif key.kind == "section" and value is not None:
                value = check_section(key.section, {}, p, where_of)
            out[key.name] = value
            continue
        value = check_value(key, data[key.name], p, where_of(p))
        if key.kind == "section" and value is not None:
            value = check_section(key.section, value, p, where_of)
        elif key.kind == "sections":
            value = [check_section(key.section, item, join(p, i), where_of) for i, item in enumerate(value)]
        out[key.name] = value
    return out


def lookup(parts: list) -> Key | None:
    """The key at a path (for ``--set``); ``None`` inside free-form mappings.

    ``parts`` are key names, and after a list of sections an item selector: an int (the index)
    or an :class:`ItemName` (the item with that name).  Raises ScenarioError naming the nearest
    valid key when the path does not exist.
    """
    section = TOP
    i = 0
    shown = ""
    while i < len(parts):
        part = parts[i]
        if not _is_name(part):
            raise ScenarioError(f"--set {shown}{item_text(part)}: only a list of sections takes [index] or [name]")
        key = section.keys_by_name.get(part)
        shown = join(shown, part)
        if key is None:
            raise ScenarioError(f"--set {shown}: unknown key{suggest(part, section.keys_by_name)}")
        if i == len(parts) - 1:
            return key
        if key.kind == "mapping":
            return None
        if key.kind == "sections":
            if _is_name(parts[i + 1]):
                raise ScenarioError(f"--set {shown}.{parts[i + 1]}: {shown} is a list; name an item as "
                                    f"{shown}[0].{parts[i + 1]} (by position) or {shown}[name].{parts[i + 1]} "
                                    "(by its name), or set the list whole")
            shown += item_text(parts[i + 1])
            if i + 1 == len(parts) - 1:
                raise ScenarioError(f"--set {shown}: name a key inside the item, e.g. {shown}."
                                    f"{key.section.keys[0].name}")
            section = key.section
            i += 2
            continue
        if key.kind != "section":
            kind = "a list (set it whole, e.g. --set 'audience.segments=[...]')" if key.kind == "ids" \
                else f"{key.describe()}, not a section"
            raise ScenarioError(f"--set {shown}: is {kind}")
        section = key.section
        i += 1
    return None  # pragma: no cover


class ItemName(str):
    """An item of a list of sections selected by its name (``contents[response]``)."""


def _is_name(part) -> bool:
    """A key name in a path, as opposed to an item selector."""
    return isinstance(part, str) and not isinstance(part, ItemName)


def item_text(selector: int | str) -> str:
    return f"[{selector}]"


_SELECTOR = re.compile(r"\[([^\[\]]*)\]")


def split_key_path(text: str) -> list | None:
    """``"contents[1].trigger.response_time"`` -> ``["contents", 1, "trigger", "response_time"]``
    (``[name]`` gives an :class:`ItemName`); ``None`` when the text is not a key path."""
    parts: list = []
    for piece in text.strip().split("."):
        m = re.fullmatch(r"([^\[\]]+)((?:\[[^\[\]]*\])*)", piece)
        if m is None:
            return None
        parts.append(m.group(1).strip())
        for sel in _SELECTOR.findall(m.group(2)):
            sel = sel.strip()
            if not sel:
                return None
            parts.append(int(sel) if re.fullmatch(r"-?\d+", sel) else ItemName(sel))
    return parts if all(p != "" for p in parts) else None


def all_key_paths() -> list[str]:
    """Every documented key path, e.g. ``content.stickiness``, ``audience.segments[].share``."""
    out = []
    seen: set[str] = set()

    def walk(section: Section, prefix: str) -> None:
        seen.add(section.name)
        for key in section.keys:
            p = f"{prefix}.{key.name}" if prefix else key.name
            out.append(p)
            if key.kind in ("section", "sections") and key.section.name not in seen:
                walk(key.section, p + ("[]" if key.kind == "sections" else ""))

    walk(TOP, "")
    return out


def reference_markdown() -> str:
    """The key reference table for ``scenarios/README.md`` (generated from the tables above)."""
    lines = ["| key | allowed | unit | default | meaning |", "|---|---|---|---|---|"]

    def default_text(key: Key) -> str:
        if key.default is REQUIRED:
            return "**required**"
        if key.required_when:
            return f"required when {key.required_when}"
        if key.kind == "sections":
            return "none"
        if key.kind == "section":
            return "all defaults" if key.default is not None else "none"
        if key.default is None:
            return "null"
        if isinstance(key.default, bool):
            return "true" if key.default else "false"
        if isinstance(key.default, (dict, list)):
            return "`" + ("{}" if isinstance(key.default, dict) else "[]") + "`"
        if isinstance(key.default, str) and key.kind != "str":
            return f"`{key.default}`"
        if isinstance(key.default, str):
            return f"`{key.default}`" if key.default and " " not in key.default else (key.default or '""')
        return f"`{format_bound(key.default)}`"

    seen: set[str] = set()

    def walk(section: Section, prefix: str) -> None:
        seen.add(section.name)
        for key in section.keys:
            p = f"{prefix}.{key.name}" if prefix else key.name
            allowed = key.describe().replace("|", "\\|")
            doc = key.doc
            if key.kind in ("section", "sections") and key.section.name in seen:
                doc += f" Same keys as `{key.section.name}`."
            lines.append(f"| `{p}` | {allowed} | {key.unit or '-'} | {default_text(key)} | {doc} |")
            if key.kind in ("section", "sections") and key.section.name not in seen:
                walk(key.section, p + ("[]" if key.kind == "sections" else ""))

    walk(TOP, "")
    return "\n".join(lines) + "\n"


def _main(argv: list[str]) -> int:
    """``python3 -m viralsim.scenario.schema [README]``: print the key table, or rewrite it in README."""
    import sys
    from pathlib import Path

    table = reference_markdown()
    if not argv:
        sys.stdout.write(table)
        return 0
    path = Path(argv[0])
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("| key | allowed"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    path.write_text("\n".join(lines[:start] + table.rstrip("\n").split("\n") + lines[end:]), encoding="utf-8")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
