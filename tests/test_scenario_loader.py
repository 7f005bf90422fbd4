"""Scenario files: strict validation with key paths and lines, extends, overrides, YAML safety."""

import re
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from viralsim.errors import ScenarioError
from viralsim.scenario import load_scenario
from viralsim.scenario import schema
from viralsim.scenario.reader import MAX_BYTES

REPO = Path(__file__).resolve().parents[1]

ISSUE_EXAMPLE = """\
name: micro-influencers
description: 40 micro-influencers instead of one celebrity.
seed: 7
runs: 1000                    # Monte Carlo replicates
horizon: 72h                  # durations take h, m, d
step: 1h
audience:                     # the social graph
  generator: holme_kim
  nodes: 100000
  params: {m: 5, triangle_prob: 0.4}
  segments:
    - {name: students, share: 0.3, affinity: 1.5}
    - {name: parents, share: 0.7, affinity: 0.8}
content:
  stickiness: 0.03            # share probability per view
  half_life: 12h
  fatigue: 0.8
  engagement_rate: 0.06
  click_rate: 0.015
  conversion_rate: 0.03
platform:
  feed_reach: 0.3
  delay: {median: 2h, sigma: 1.0}
campaign:
  seeding: {strategy: top_degree, count: 40}
valuation:
  currency: USD
  emv: cpm
  cpm: 8.0
  per_engagement: 0.05
  per_click: 0.5
  per_conversion: 35.0
"""


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Run in the temporary folder so messages show file names as a user typing them would see."""
    monkeypatch.chdir(tmp_path)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def error_of(path, overrides=()):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    msg = str(info.value)
    assert "\n" not in msg  # one line
    return msg


def replace_line(text, old, new):
    assert old in text
    return text.replace(old, new)


def test_issue_example_loads_with_units_and_defaults(tmp_path):
    sc = load_scenario(write(tmp_path, "micro.yaml", ISSUE_EXAMPLE))
    assert sc.name == "micro-influencers" and sc.seed == 7 and sc.runs == 1000
    assert (sc.horizon_h, sc.step_h, sc.n_steps) == (72.0, 1.0, 72)
    assert sc.content.half_life_h == 12.0 and sc.platform.delay_median_h == 2.0
    assert [s.name for s in sc.audience.segments] == ["students", "parents"]
    assert not sc.campaign.cost.charges_seeds and sc.campaign.cost.fixed == 0.0  # documented default 0
    assert sc.resolved["horizon"] == "72h" and sc.resolved["campaign"]["cost"] == {"per_seed": 0.0, "per_follower": 0.0,
                                                                             "tiers": [], "fixed": 0.0}


def test_out_of_range_names_path_value_file_and_line(tmp_path):
    path = write(tmp_path, "micro.yaml", replace_line(ISSUE_EXAMPLE, "stickiness: 0.03", "stickiness: 1.5"))
    assert error_of(path) == "content.stickiness: must be a number in [0, 1], got 1.5 (micro.yaml line 15)"


def test_unknown_key_suggests_nearest(tmp_path):
    path = write(tmp_path, "micro.yaml", replace_line(ISSUE_EXAMPLE, "stickiness: 0.03", "stickyness: 0.03"))
    assert error_of(path) == "content.stickyness: unknown key; did you mean 'stickiness'? (micro.yaml line 15)"
    path = write(tmp_path, "m2.yaml", ISSUE_EXAMPLE + "colour: red\n")
    assert error_of(path).startswith("colour: unknown key; allowed: name, description, extends, baseline, seed")


def test_wrong_type_and_bool_is_not_a_number(tmp_path):
    path = write(tmp_path, "a.yaml", replace_line(ISSUE_EXAMPLE, "nodes: 100000", "nodes: lots"))
    assert error_of(path) == "audience.nodes: must be an integer in [2, 2147483647], got 'lots' (a.yaml line 9)"
    path = write(tmp_path, "b.yaml", replace_line(ISSUE_EXAMPLE, "fatigue: 0.8", "fatigue: yes"))
    assert "content.fatigue: must be a number in [0, 1], got True (b.yaml line 17)" == error_of(path)
    path = write(tmp_path, "c.yaml", replace_line(ISSUE_EXAMPLE, "runs: 1000 ", "runs: 1000.0"))
    assert "written without a decimal point" in error_of(path)


@pytest.mark.parametrize("bad", ["72", "72 hours", "-3h", "0h", "3w", "1e3h"])
def test_bad_duration(tmp_path, bad):
    path = write(tmp_path, "d.yaml", replace_line(ISSUE_EXAMPLE, "horizon: 72h", f"horizon: {bad}"))
    msg = error_of(path)
    assert msg.startswith("horizon: must be a positive duration with unit m, h or d, such as 72h, 30m or 2d")
    assert msg.endswith("(d.yaml line 5)")


def test_durations_parse_and_format_round_trip():
    assert schema.parse_duration_h("90m") == 1.5 and schema.parse_duration_h("2d") == 48.0
    for hours in (72.0, 1.5, 0.25, 48.0, 1 / 3):
        assert schema.parse_duration_h(schema.format_duration(hours)) == hours


def test_step_must_divide_horizon(tmp_path):
    path = write(tmp_path, "s.yaml", replace_line(ISSUE_EXAMPLE, "step: 1h", "step: 5h"))
    assert error_of(path) == "step: must divide the horizon (72h), got 5h (s.yaml line 6)"


def test_missing_file_and_required_keys(tmp_path):
    assert error_of(tmp_path / "nope.yaml").endswith("nope.yaml: scenario file not found")
    path = write(tmp_path, "r.yaml", replace_line(ISSUE_EXAMPLE, "seed: 7\n", ""))
    assert error_of(path).startswith("seed: required (an integer in [0, 9223372036854775807])")
    path = write(tmp_path, "v.yaml", replace_line(ISSUE_EXAMPLE, "  cpm: 8.0\n", ""))
    assert error_of(path) == "valuation.cpm: required with emv: cpm (an amount in USD) (v.yaml line 26)"
    path = write(tmp_path, "f.yaml", replace_line(ISSUE_EXAMPLE, "  generator: holme_kim\n  nodes: 100000\n  params: "
                                                  "{m: 5, triangle_prob: 0.4}\n", "  generator: file\n  file: no.txt\n"
                                                  "  directed: false\n"))
    assert re.fullmatch(r"audience\.file: file not found: .*/no\.txt \(f\.yaml line 9\)", error_of(path))


def test_malformed_yaml_reports_line(tmp_path):
    path = write(tmp_path, "bad.yaml", replace_line(ISSUE_EXAMPLE, "  fatigue: 0.8", "  fatigue: [0.8"))
    msg = error_of(path)
    assert msg.startswith("bad.yaml line 1") and "malformed YAML" in msg
    assert re.match(r"bad\.yaml line (1[7-9]|2\d) column \d+: malformed YAML", msg)
    path = write(tmp_path, "dup.yaml", ISSUE_EXAMPLE + "seed: 8\n")
    assert error_of(path) == "seed: duplicate key (dup.yaml line 33)"


def test_yaml_bomb_and_anchors_refused_before_expansion(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(20))
    msg = error_of(write(tmp_path, "bomb.yaml", bomb))
    assert msg.startswith("bomb.yaml line 1: YAML anchors and aliases (&name, *name) are not allowed")
    big = write(tmp_path, "big.yaml", "# " + "x" * MAX_BYTES + "\n")
    assert "limited to 1,048,576 bytes" in error_of(big)
    path = write(tmp_path, "tag.yaml", ISSUE_EXAMPLE + "x: !!python/object/apply:os.system ['echo hi']\n")
    assert "tag.yaml line 33" in error_of(path)


def test_huge_nodes_refused_with_estimate(tmp_path):
    path = write(tmp_path, "huge.yaml", replace_line(ISSUE_EXAMPLE, "nodes: 100000", "nodes: 2000000000"))
    msg = error_of(path)
    assert re.fullmatch(r"audience\.nodes: a holme_kim graph of 2,000,000,000 users needs about [\d,.]+ GiB; the "
                        r"limit is [\d,.]+ GiB \(set VIRALSIM_MAX_MEMORY_BYTES to raise it\) \(huge\.yaml line 9\)", msg)


def test_extends_merges_mappings_replaces_lists_and_deletes_with_null(tmp_path):
    write(tmp_path, "base.yaml", ISSUE_EXAMPLE)
    (tmp_path / "strategies").mkdir()
    child = write(tmp_path / "strategies", "celebrity.yaml", """\
        extends: ../base.yaml
        campaign:
          seeding: {count: 1}
          cost: {per_seed: 20000}
        audience:
          segments: [{name: everyone, share: 1.0}]
        content:
          half_life: null
        """)
    sc = load_scenario(child)
    assert sc.name == "celebrity" and sc.description == ""  # name and description are not inherited
    assert sc.campaign.seeding.strategy == "top_degree" and sc.campaign.seeding.count == 1
    assert sc.campaign.cost.per_seed == 20000.0
    assert [s.name for s in sc.audience.segments] == ["everyone"]
    assert sc.content.half_life_h is None and sc.content.stickiness == 0.03
    bad = write(tmp_path / "strategies", "bad.yaml", "extends: ../base.yaml\ncontent: {stickiness: 2}\n")
    assert error_of(bad) == "content.stickiness: must be a number in [0, 1], got 2 (strategies/bad.yaml line 2)" \
        or error_of(bad).endswith("bad.yaml line 2)")


def test_extends_cycle_names_the_chain(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\nseed: 1\n")
    write(tmp_path, "b.yaml", "extends: c.yaml\n")
    write(tmp_path, "c.yaml", "extends: a.yaml\n")
    msg = error_of(tmp_path / "a.yaml")
    assert msg.startswith("extends cycle: ") and re.search(r"a\.yaml -> .*b\.yaml -> .*c\.yaml -> .*a\.yaml$", msg)


def test_overrides_are_typed_by_the_schema_not_guessed(tmp_path):
    path = write(tmp_path, "o.yaml", ISSUE_EXAMPLE)
    sc = load_scenario(path, ["name=123", "content.stickiness=0.05", "horizon=2d", "runs=50",
                              "audience.params.m=3", "campaign.seeding={strategy: random, count: 5}"])
    assert sc.name == "123" and sc.content.stickiness == 0.05 and sc.horizon_h == 48.0 and sc.runs == 50
    assert sc.audience.params["m"] == 3 and sc.campaign.seeding.strategy == "random"
    assert error_of(path, ["content.stickness=0.1"]) == "--set content.stickness: unknown key; did you mean 'stickiness'?"
    assert error_of(path, ["runs=many"]) == "runs: must be an integer in [1, 1000000], got 'many' (--set runs=many)"
    assert error_of(path, ["valuation.emv=cmp"]).startswith("valuation.emv: must be one of 'cpm', 'per_action', "
                                                            "'hybrid', got 'cmp'; did you mean 'cpm'?")
    assert "expected key.path=value" in error_of(path, ["runs"])


def test_model_specific_keys(tmp_path):
    path = write(tmp_path, "t.yaml", ISSUE_EXAMPLE)
    msg = error_of(path, ["model=threshold"])
    assert msg == "content.stickiness: not used by model: threshold (remove it, or set it to null in a file that " \
                  "extends a cascade scenario) (t.yaml line 15)"
    ok = load_scenario(path, ["model=threshold", "content.stickiness=null", "content.half_life=null",
                              "content.fatigue=null", "audience.segments=[]", "threshold.level=0.2"])
    assert ok.threshold.rule == "fraction" and ok.threshold.level == 0.2
    assert error_of(path, ["threshold.level=0.2"]).startswith("threshold: only used with model: threshold")


def test_seeding_section_checks(tmp_path):
    path = write(tmp_path, "s.yaml", ISSUE_EXAMPLE)
    assert error_of(path, ["campaign.seeding.segment=studnts"]) == (
        "campaign.seeding.segment: unknown segment 'studnts'; did you mean 'students'? (--set "
        "campaign.seeding.segment=studnts)")
    assert error_of(path, ["campaign.seeding.count=200000"]).startswith(
        "campaign.seeding.count: must be at most the audience size (100,000)")
    assert error_of(path, ["campaign.seeding.nodes=[1, 2]"]).startswith(
        "campaign.seeding.nodes: only used by strategy explicit")
    assert error_of(path, ["campaign.seeding={strategy: explicit, nodes: [5, 100000]}"]).startswith(
        "campaign.seeding.nodes: node id 100000 does not exist: a generated audience has ids 0 to 99,999")
    sc = load_scenario(path, ["campaign.seeding={strategy: explicit, nodes: [5, 9]}"])
    assert sc.campaign.seeding.options == {"nodes": [5, 9]}


def test_segment_shares_must_sum_to_one(tmp_path):
    path = write(tmp_path, "g.yaml", replace_line(ISSUE_EXAMPLE, "share: 0.7", "share: 0.6"))
    assert error_of(path) == "audience.segments: shares must sum to 1, got 0.9 (g.yaml line 11)"


def test_readme_documents_every_key():
    readme = (REPO / "scenarios" / "README.md").read_text()
    missing = [p for p in schema.all_key_paths() if f"`{p}`" not in readme]
    assert not missing, f"scenarios/README.md does not document: {missing}"
    assert schema.reference_markdown() in readme, "regenerate the key table: python3 -m viralsim.scenario.schema scenarios/README.md"


def test_bundled_scenarios_validate():
    paths = sorted((REPO / "scenarios").glob("*.yaml"))
    assert len(paths) >= 6
    for path in paths:
        if "facebook" in path.name and not (REPO.parent / "shared" / "data" / "facebook_combined.txt.gz").exists():
            continue
        load_scenario(path)


# ---- property-based: random documents either load or raise ScenarioError -------------------------
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["72h", "1h", "30m", "2d", "0h", "holme_kim", "file",
                                                           "top_degree", "cpm", "threshold", "1e5", ".nan"]))
keys = st.sampled_from(["name", "seed", "runs", "horizon", "step", "model", "audience", "content", "platform",
                        "campaign", "valuation", "generator", "nodes", "params", "stickiness", "seeding",
                        "strategy", "count", "segments", "share", "extends", "emv", "cpm", "m", "x"])
documents = st.recursive(scalars, lambda children: st.one_of(st.lists(children, max_size=4),
                                                             st.dictionaries(keys, children, max_size=6)),
                         max_leaves=25)

BASE = yaml.safe_load(ISSUE_EXAMPLE)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=documents, path=st.lists(keys, min_size=1, max_size=3), value=documents)
def test_loader_never_raises_anything_but_scenario_error(tmp_path, doc, path, value):
    for i, document in enumerate((doc, _with_value(BASE, path, value))):
        text = yaml.safe_dump(document, allow_unicode=True)
        f = tmp_path / f"fuzz{i}.yaml"
        f.write_text(text)
        try:
            load_scenario(f)
        except ScenarioError as exc:
            assert str(exc)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_loader_survives_arbitrary_text(tmp_path, text):
    f = tmp_path / "text.yaml"
    f.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        load_scenario(f)
    except ScenarioError as exc:
        assert str(exc)


def _with_value(base, path, value):
    import copy

    doc = copy.deepcopy(base)
    node = doc
    for part in path[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[path[-1]] = value
    return doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=300), key=st.sampled_from(["extends", "audience.file"]))
def test_any_path_text_is_handled(tmp_path, value, key):
    doc = _with_value(BASE, key.split("."), value)
    if key == "audience.file":
        doc["audience"] = {"generator": "file", "file": value, "directed": False}
    f = tmp_path / "paths.yaml"
    f.write_text(yaml.safe_dump(doc))
    try:
        load_scenario(f)
    except ScenarioError as exc:
        assert str(exc)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.lists(keys, min_size=1, max_size=3), value=st.text(max_size=30))
def test_any_override_text_is_handled(tmp_path, path, value):
    f = tmp_path / "ov.yaml"
    f.write_text(ISSUE_EXAMPLE)
    try:
        load_scenario(f, [".".join(path) + "=" + value])
    except ScenarioError as exc:
        assert str(exc)


def test_resolved_mapping_round_trips(tmp_path):
    from viralsim.scenario import scenario_from_dict

    sc = load_scenario(write(tmp_path, "micro.yaml", ISSUE_EXAMPLE))
    again = scenario_from_dict(sc.resolved)
    assert again == sc and again.resolved == sc.resolved
    with pytest.raises(ScenarioError, match="^name: required"):
        scenario_from_dict({k: v for k, v in sc.resolved.items() if k != "name"})


def test_file_paths_resolve_against_the_file_that_writes_them(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "edges.txt").write_text("0 1\n1 2\n2 0\n")
    (tmp_path / "data" / "base.yaml").write_text(
        "seed: 1\naudience: {generator: file, file: edges.txt, directed: false}\ncontent: {stickiness: 0.1}\n"
        "campaign: {seeding: {strategy: explicit, nodes: [0]}}\n")
    (tmp_path / "plans").mkdir()
    child = write(tmp_path / "plans", "child.yaml", "extends: ../data/base.yaml\nruns: 10\n")
    sc = load_scenario(child)
    assert sc.audience.file == (tmp_path / "data" / "edges.txt").resolve()
    assert [p.name for p in sc.sources] == ["child.yaml", "base.yaml"]
    (tmp_path / "edges.txt").write_text("0 1\n")
    moved = load_scenario(child, ["audience.file=edges.txt"])  # --set paths are relative to the working folder
    assert moved.audience.file == (tmp_path / "edges.txt").resolve()


def test_overrides_reach_into_a_list_of_sections_by_position_or_by_name():
    """The response-time what-if from the command line: --set contents[response].trigger.response_time=6h."""
    path = Path(__file__).parent.parent / "scenarios" / "rumour_response_2h.yaml"
    by_name = load_scenario(path, ["contents[response].trigger.response_time=6h"])
    by_position = load_scenario(path, ["contents[0].trigger.response_time=30m", "interactions[1].cross_share=0.2"])
    assert by_name.contents[0].trigger.response_h == 6.0
    assert by_position.contents[0].trigger.response_h == 0.5
    assert [i.cross_share for i in by_position.interactions] == [1.0, 0.2]
    assert by_name.contents[0].content.stickiness == 0.04  # the rest of the item is kept
    assert str(by_name.where_of("contents[0].trigger.response_time")).startswith("--set contents[response]")

    assert error_of(path, ["contents[0].trigger.response_time=-1h"]).endswith(
        "(--set contents[0].trigger.response_time=-1h)")
    assert error_of(path, ["contents[2].trigger.response_time=6h"]) == (
        "--set contents[2].trigger.response_time=6h: contents[2]: contents has 1 item(s) in this scenario "
        "(positions 0 to 0)")
    assert error_of(path, ["contents[reply].start=1h"]) == (
        "--set contents[reply].start=1h: contents has no item named 'reply' (names: response)")
    assert error_of(path, ["contents[rumour].start=1h"]).startswith(
        "--set contents[rumour].start=1h: 'rumour' is the main content, set it under content.")
    assert error_of(path, ["contents.trigger.response_time=6h"]).startswith(
        "--set contents.trigger: contents is a list; name an item as contents[0].trigger (by position)")
    assert error_of(path, ["contents[0].trigger.delay=6h"]) == (
        "--set contents[0].trigger.delay: unknown key; allowed: after, when, response_time")
    assert error_of(path, ["content[0].name=x"]) == "--set content[0]: only a list of sections takes [index] or [name]"
    assert error_of(path, ["contents[0]=x"]).startswith("--set contents[0]: name a key inside the item")
    assert "expected key.path=value" in error_of(path, ["contents[.start=1h"])
