"""What each dialogue policy costs and buys: RulePolicy + MemoizationPolicy alone vs. with TED / UnexpecTED.

Run from the repo root (all four variants: about 5 minutes on 2 cores while data/ holds only rules, so TED and
UnexpecTED have nothing to train on; longer once there are stories):

    .venv/bin/python -m bench.policies                    # all variants
    .venv/bin/python -m bench.policies --quick            # only 1 (ours) and 2 (+TED 20 epochs)
    .venv/bin/python -m bench.policies --variants 1,4     # a subset, by number or key (see --help)

Variants are built from config.yml (loaded with yaml, policies appended, written to a temp file):
  1 ours              config.yml as is: RulePolicy + MemoizationPolicy(max_history 3)
  2 ted20             ours + TEDPolicy(max_history 5, epochs 20)
  3 ted100            ours + TEDPolicy(max_history 5, epochs 100)
  4 ted20-unexpected  ours + TEDPolicy(max_history 5, epochs 20) + UnexpecTEDIntentPolicy(max_history 5, epochs 20)
The added policies get random_seed 42 (as our SituationClassifier does) so that reruns are comparable.

For each variant, in a throwaway folder (nothing in models/, results/, var/ or .rasa/ is touched):
- train s: wall-clock of `rasa train --quiet --config <variant> --domain domain --data data --out <tmp>
  --fixed-model-name model`, the whole process (imports and the NLU pipeline included, which every variant
  pays alike). Each variant gets an empty RASA_CACHE_DIRECTORY, so nothing is reused from an earlier training.
- stories: `rasa test core --model <model> --stories tests/stories --endpoints endpoints.yml --out <tmp>/results`
  (as `make test-stories`, without --fail-on-prediction-errors so every story is scored). Failed stories come from
  failed_test_stories.yml, stories with action_unlikely_intent warnings from stories_with_warnings.yml, and the
  action-level accuracy / weighted F1 and the story total from story_report.json ("conversation_accuracy").
- runtime cost: in a fresh Python process, `Agent.load(model)` (timed), then the test stories are replayed the way
  `rasa test core` does (the same story trackers; before every action of a story the processor predicts the next
  action with `predict_next_with_tracker_if_should`, then the true event is applied). One untimed warm-up pass,
  then 3 timed passes: median / p90 ms of one next-action prediction (every policy in the ensemble plus the
  ensemble's choice; no NLU, no tracker store, no action server), the resident memory of that process after loading
  and its peak, the model's size on disk, which policy decided each story action, and how often
  action_unlikely_intent was predicted (each of those costs the bot one more prediction round at run time).
- learned: what each added policy left in the model archive ("not trained (no data)" when rasa skipped it; TED,
  UnexpecTED and Memoization learn only from stories, never from rules), and how many turns Memoization holds.

The subprocesses get the environment of `source scripts/env.sh && source scripts/defaults.sh` (what the Makefile
uses). Prints a table and writes bench/out/policies-latest.json. Timings depend on the machine and on whatever
else runs on it: the load average at start and end is printed and saved, so compare runs made on a quiet machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT_JSON = ROOT / "bench" / "out" / "policies-latest.json"
STORIES = ROOT / "tests" / "stories"
PROBE_MARKER = "POLICY_PROBE_JSON "
TIMED_PASSES = 3
SEED = 42
TRAIN_TIMEOUT_S = 3600
TEST_TIMEOUT_S = 1800


@dataclass(frozen=True)
class Variant:
    number: int
    key: str
    label: str
    extra_policies: tuple[dict[str, Any], ...]


def _ted(epochs: int) -> dict[str, Any]:
    return {"name": "TEDPolicy", "max_history": 5, "epochs": epochs, "random_seed": SEED}


UNEXPECTED = {"name": "UnexpecTEDIntentPolicy", "max_history": 5, "epochs": 20, "random_seed": SEED}

VARIANTS: tuple[Variant, ...] = (
    Variant(1, "ours", "ours (Rule + Memo)", ()),
    Variant(2, "ted20", "ours + TED 20 ep", (_ted(20),)),
    Variant(3, "ted100", "ours + TED 100 ep", (_ted(100),)),
    Variant(4, "ted20-unexpected", "ours + TED 20 + UnexpecTED 20", (_ted(20), UNEXPECTED)),
)


@dataclass
class StoryResult:
    total: int
    failed: int
    with_warnings: int
    action_accuracy: float
    action_f1_weighted: float
    actions_scored: int
    failed_stories: list[str] = field(default_factory=list)


@dataclass
class RuntimeResult:
    model_mb: float
    load_s: float
    actions: int  # story actions replayed per pass
    predictions: int  # prediction calls per pass (more than actions when a form rejection is emulated)
    predict_median_ms: float
    predict_p90_ms: float
    predict_mean_ms: float
    rss_after_load_mb: float
    peak_rss_mb: float
    winning_policy: dict[str, int]  # policy name -> story actions it decided (one pass)
    unlikely_intent_predictions: int  # one pass
    replay_agreement: float  # share of story actions predicted right (cross-check of rasa test's accuracy)


@dataclass
class VariantResult:
    number: int
    key: str
    label: str
    policies: list[str]
    learned: dict[str, str] = field(default_factory=dict)  # policy -> what the model archive holds for it
    train_s: float | None = None
    stories: StoryResult | None = None
    runtime: RuntimeResult | None = None
    error: str | None = None


# --------------------------------------------------------------------------------------------- environment


def rasa_env() -> dict[str, str]:
    """The environment `make test-stories` runs rasa in: scripts/env.sh and scripts/defaults.sh sourced."""
    script = "source scripts/env.sh && source scripts/defaults.sh && env -0"
    raw = subprocess.run(["bash", "-c", script], cwd=ROOT, check=True, capture_output=True).stdout
    env = dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)
    env["RASA_TELEMETRY_ENABLED"] = "false"
    return env


def write_variant_config(variant: Variant, path: Path) -> list[str]:
    """config.yml with the variant's policies appended; returns the policy names in order."""
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    config["policies"] = list(config.get("policies") or []) + [dict(p) for p in variant.extra_policies]
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return [p["name"] for p in config["policies"]]


def run_logged(command: list[str], env: dict[str, str], log: Path, timeout: int) -> float:
    """Runs command in the repo root with output to log; returns wall-clock seconds; raises on failure."""
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise RuntimeError(f"{' '.join(command[:4])} ... exited {proc.returncode}; log {log}:\n{tail}")
    return elapsed


# --------------------------------------------------------------------------------------------- train and test


def train(config: Path, out: Path, env: dict[str, str]) -> tuple[Path, float]:
    command = [sys.executable, "-m", "rasa", "train", "--quiet", "--config", str(config), "--domain", "domain",
               "--data", "data", "--out", str(out), "--fixed-model-name", "model"]
    seconds = run_logged(command, env, out / "train.log", TRAIN_TIMEOUT_S)
    model = out / "model.tar.gz"
    if not model.exists():
        raise RuntimeError(f"rasa train wrote no {model}")
    return model, seconds


def inspect_model(model: Path, policies: list[str]) -> dict[str, str]:
    """What each configured policy left in the archive. TED, UnexpecTED and Memoization learn only from stories
    (rule-only trackers are not their data), and rasa skips training a policy that gets no data at all."""
    with tarfile.open(model) as archive:
        names = [m.name.lstrip("/") for m in archive.getmembers()]

        def member_text(name: str) -> str:
            member = next(m for m in archive.getmembers() if m.name.lstrip("/") == name)
            handle = archive.extractfile(member)
            return handle.read().decode() if handle else ""

        learned = {}
        for index, policy in enumerate(policies):
            folder = f"components/train_{policy}{index}/"
            files = [n for n in names if n.startswith(folder) and n != folder]
            if not files:
                learned[policy] = "not trained (no data)"
            elif policy == "MemoizationPolicy" and folder + "memorized_turns.json" in names:
                turns = len(json.loads(member_text(folder + "memorized_turns.json")).get("lookup", {}))
                learned[policy] = f"{turns} turns memorized"
            else:
                learned[policy] = "trained"
    return learned


def _stories_in(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return (yaml.safe_load(path.read_text()) or {}).get("stories", []) or []


def read_story_results(results: Path) -> StoryResult:
    """Reads what `rasa test core` wrote (same files as scripts/check_story_results.py, plus the report)."""
    failed = _stories_in(results / "failed_test_stories.yml")
    warned = _stories_in(results / "stories_with_warnings.yml")
    report = json.loads((results / "story_report.json").read_text())
    conversations = report.get("conversation_accuracy", {})
    # Same count as check_story_results.py, in case the report has no conversation_accuracy.
    total = conversations.get("total") or sum(len(_stories_in(p)) for p in STORIES.glob("*.yml"))
    weighted = report.get("weighted avg", {})
    accuracy = report.get("accuracy", report.get("micro avg", {}).get("f1-score", float("nan")))
    return StoryResult(total=int(total), failed=len(failed), with_warnings=len(warned),
                       action_accuracy=float(accuracy), action_f1_weighted=float(weighted.get("f1-score", "nan")),
                       actions_scored=int(weighted.get("support", 0)),
                       failed_stories=[str(s.get("story")) for s in failed])


def test_stories(model: Path, out: Path, env: dict[str, str]) -> StoryResult:
    results = out / "results"
    command = [sys.executable, "-m", "rasa", "test", "core", "--model", str(model), "--stories", str(STORIES),
               "--endpoints", "endpoints.yml", "--out", str(results), "--quiet"]
    run_logged(command, env, out / "test.log", TEST_TIMEOUT_S)
    return read_story_results(results)


def measure_runtime(model: Path, out: Path, env: dict[str, str]) -> RuntimeResult:
    """Runs the probe (below) in its own process, so the memory numbers are this model's alone."""
    command = [sys.executable, "-m", "bench.policies", "--probe", str(model)]
    run_logged(command, env, out / "probe.log", TEST_TIMEOUT_S)
    lines = [ln for ln in (out / "probe.log").read_text().splitlines() if ln.startswith(PROBE_MARKER)]
    if not lines:
        raise RuntimeError(f"the runtime probe printed no result; see {out / 'probe.log'}")
    data = json.loads(lines[-1][len(PROBE_MARKER):])
    data["model_mb"] = model.stat().st_size / 1e6
    return RuntimeResult(**data)


def run_variant(variant: Variant, scratch: Path, base_env: dict[str, str]) -> VariantResult:
    out = scratch / variant.key
    out.mkdir(parents=True)
    config = out / "config.yml"
    result = VariantResult(variant.number, variant.key, variant.label, write_variant_config(variant, config))
    env = dict(base_env, RASA_CACHE_DIRECTORY=str(out / "rasa-cache"))  # no reuse between variants or runs
    try:
        print(f"[{variant.number}] {variant.label}: training ...", flush=True)
        model, result.train_s = train(config, out, env)
        result.learned = inspect_model(model, result.policies)
        print(f"[{variant.number}] trained in {result.train_s:.0f} s; testing stories ...", flush=True)
        result.stories = test_stories(model, out, env)
        print(f"[{variant.number}] {result.stories.failed}/{result.stories.total} stories failed; "
              "timing predictions ...", flush=True)
        result.runtime = measure_runtime(model, out, env)
    except (RuntimeError, subprocess.TimeoutExpired, OSError, ValueError, KeyError) as error:
        result.error = str(error)
        print(f"[{variant.number}] FAILED: {error}", flush=True)
    return result


# --------------------------------------------------------------------------------------------- runtime probe


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _story_trackers(agent: Any) -> list[Any]:
    """The trackers `rasa test core` evaluates (rasa.core.test._create_data_generator, without its temp file)."""
    from rasa.shared.core.generator import TrainingDataGenerator
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_dict(domain_path=str(ROOT / "domain"),
                                                   training_data_paths=[str(STORIES)])
    generator = TrainingDataGenerator(importer.get_stories(), agent.domain, use_story_concatenation=False,
                                      augmentation_factor=0)
    return generator.generate_story_trackers()


@dataclass
class _Prediction:
    ms: float
    predicted: str
    expected: str
    policy: str


def _replay(agent: Any, tracker: Any) -> list[list[_Prediction]]:
    """Predicts before every action of one story, then applies the story's own event (as rasa test does).

    One list per story action: the prediction calls made for it (two when a form rejection is emulated).
    """
    from rasa.core.test import emulate_loop_rejection
    from rasa.exceptions import ActionLimitReached
    from rasa.shared.core.constants import ACTION_UNLIKELY_INTENT_NAME
    from rasa.shared.core.events import ActionExecuted
    from rasa.shared.core.trackers import DialogueStateTracker

    def predict(partial: DialogueStateTracker, expected: str) -> _Prediction:
        start = time.perf_counter()
        try:
            action, prediction = agent.processor.predict_next_with_tracker_if_should(partial)
            predicted, policy = action.name(), str(prediction.policy_name)
        except ActionLimitReached:
            predicted, policy = "circuit breaker tripped", "none"
        return _Prediction((time.perf_counter() - start) * 1000, predicted, expected, policy)

    def predict_action(partial: DialogueStateTracker, expected: str) -> list[_Prediction]:
        calls = [predict(partial, expected)]
        if (calls[0].predicted != expected and calls[0].predicted == partial.active_loop_name
                and calls[0].predicted in agent.domain.form_names):
            # The active form was predicted but the story does something else: at run time the form rejects the
            # turn and the bot predicts again. rasa test emulates that; so do we, and count both calls.
            emulate_loop_rejection(partial)
            calls.append(predict(partial, expected))
        return calls

    events = list(tracker.events)
    partial = DialogueStateTracker.from_events(tracker.sender_id, events[:1], agent.domain.slots,
                                               sender_source=tracker.sender_source)
    steps = []
    for event in events[1:]:
        if isinstance(event, ActionExecuted):
            expected = event.action_name or event.action_text or ""
            calls = predict_action(partial, expected)
            if calls[-1].predicted == ACTION_UNLIKELY_INTENT_NAME != expected:
                # At run time the bot runs action_unlikely_intent and predicts again (rasa test does the same).
                partial.update(ActionExecuted(ACTION_UNLIKELY_INTENT_NAME))
                calls += predict_action(partial, expected)
            steps.append(calls)
        partial.update(event)
    return steps


def probe(model: Path) -> dict[str, Any]:
    """Load time, next-action prediction time and memory of one model, in this process."""
    from rasa.core.agent import Agent
    from rasa.shared.core.constants import ACTION_UNLIKELY_INTENT_NAME

    start = time.perf_counter()
    agent = Agent.load(model_path=str(model))
    load_s = time.perf_counter() - start
    rss_after_load = _rss_mb()
    trackers = _story_trackers(agent)
    steps = [step for t in trackers for step in _replay(agent, t)]  # warm-up: first TF calls trace graphs
    calls = [call for step in steps for call in step]
    timed = [call.ms for _ in range(TIMED_PASSES) for t in trackers for step in _replay(agent, t) for call in step]
    winners: dict[str, int] = {}
    for step in steps:  # the prediction that decided each story action
        winners[step[-1].policy] = winners.get(step[-1].policy, 0) + 1
    return {
        "load_s": load_s,
        "actions": len(steps),
        "predictions": len(calls),
        "predict_median_ms": statistics.median(timed),
        "predict_p90_ms": statistics.quantiles(timed, n=10)[-1],
        "predict_mean_ms": statistics.fmean(timed),
        "rss_after_load_mb": rss_after_load,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
        "winning_policy": dict(sorted(winners.items(), key=lambda kv: -kv[1])),
        "unlikely_intent_predictions": sum(s.predicted == ACTION_UNLIKELY_INTENT_NAME for s in calls),
        "replay_agreement": sum(s.predicted == s.expected for s in (step[-1] for step in steps)) / max(len(steps), 1),
    }


# --------------------------------------------------------------------------------------------- report


def _short_policy(name: str) -> str:
    return name.replace("Policy", "").replace("UnexpecTEDIntent", "UnexpecTED")


def format_table(results: list[VariantResult]) -> str:
    header = ("variant", "train s", "stories failed/total", "action acc", "action F1",
              "predict ms p50/p90", "load s", "RSS MB", "model MB", "decided by", "learned")
    rows = [header]
    for r in results:
        if r.error:
            rows.append((f"{r.number} {r.label}", f"{r.train_s:.0f}" if r.train_s else "-", "ERROR", "-", "-", "-",
                         "-", "-", "-", r.error.splitlines()[0][:60], ""))
            continue
        assert r.stories and r.runtime
        s, rt = r.stories, r.runtime
        warned = f" ({s.with_warnings} warned)" if s.with_warnings else ""
        decided = ", ".join(f"{_short_policy(k)} {v}" for k, v in rt.winning_policy.items())
        if rt.unlikely_intent_predictions:
            decided += f"; unlikely_intent {rt.unlikely_intent_predictions}"
        rows.append((f"{r.number} {r.label}", f"{r.train_s:.0f}", f"{s.failed}/{s.total}{warned}",
                     f"{s.action_accuracy:.3f}", f"{s.action_f1_weighted:.3f}",
                     f"{rt.predict_median_ms:.1f} / {rt.predict_p90_ms:.1f}", f"{rt.load_s:.1f}",
                     f"{rt.rss_after_load_mb:.0f} (peak {rt.peak_rss_mb:.0f})", f"{rt.model_mb:.1f}", decided,
                     "; ".join(f"{_short_policy(k)}: {v}" for k, v in r.learned.items() if k != "RulePolicy")))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    lines = [" | ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(results: list[VariantResult], load_start: tuple[float, ...], load_end: tuple[float, ...]) -> None:
    import rasa

    OUT_JSON.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
                    "loadavg_start": load_start, "loadavg_end": load_end},
        "rasa": rasa.__version__,
        "stories": str(STORIES.relative_to(ROOT)),
        "timed_passes": TIMED_PASSES,
        "variants": [asdict(r) for r in results],
    }
    OUT_JSON.write_text(json.dumps(payload, indent=2) + "\n")


# --------------------------------------------------------------------------------------------- command line


def pick_variants(spec: str | None, quick: bool) -> list[Variant]:
    if quick:
        return [v for v in VARIANTS if v.number in (1, 2)]
    if not spec:
        return list(VARIANTS)
    wanted = [item.strip() for item in spec.split(",") if item.strip()]
    by_name = {str(v.number): v for v in VARIANTS} | {v.key: v for v in VARIANTS}
    unknown = [w for w in wanted if w not in by_name]
    if unknown:
        raise SystemExit(f"unknown variant(s) {unknown}; choose from {sorted(by_name)}")
    numbers = {by_name[w].number for w in wanted}
    return [v for v in VARIANTS if v.number in numbers]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    choices = ", ".join(f"{v.number}={v.key}" for v in VARIANTS)
    parser = argparse.ArgumentParser(prog="python -m bench.policies",
                                     description="Train, test and time each policy variant (see the docstring).")
    parser.add_argument("--variants", help=f"comma-separated subset ({choices}); default: all")
    parser.add_argument("--quick", action="store_true", help="only variants 1 and 2")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (models, logs, rasa results)")
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)  # internal: time one model, print JSON
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.probe:
        print(PROBE_MARKER + json.dumps(probe(args.probe)), flush=True)
        return 0
    variants = pick_variants(args.variants, args.quick)
    env = rasa_env()
    scratch = Path(tempfile.mkdtemp(prefix="iep-policies-"))
    load_start = os.getloadavg()
    print(f"Variants: {', '.join(v.key for v in variants)}; scratch {scratch}; load average {load_start[0]:.2f}",
          flush=True)
    try:
        results = [run_variant(v, scratch, env) for v in variants]
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    load_end = os.getloadavg()
    print()
    print(format_table(results))
    print(f"\nload average (1 min) at start {load_start[0]:.2f}, at end {load_end[0]:.2f} on {os.cpu_count()} CPUs; "
          "timings are wall-clock and shift with other work on the machine.")
    untrained = sorted({k for r in results for k, v in r.learned.items() if v.startswith("not trained")})
    if untrained:
        print(f"Not trained in any variant that lists them: {', '.join(untrained)}. They learn only from stories "
              "(rule-only trackers are not their data), so with no stories in --data rasa skips them.")
    write_json(results, load_start, load_end)
    print(f"Wrote {OUT_JSON.relative_to(ROOT)}" + (f"; kept {scratch}" if args.keep else ""))
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
