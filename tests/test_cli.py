"""The triage interface of shared/README.md, through the console script."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

MODEL = str(ROOT / "models" / "current.tar.gz")


def cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "bot", *args, "--model", MODEL], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_one_message_one_json_line_in_the_contract_shape(knowledge):
    done = cli("triage", "my son's reading hasn't moved in two report cards")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    out = json.loads(lines[0])
    assert out["id"] == "m1"
    assert len(out["situations"]) >= 3 and out["situations"][0]["id"] == "stalled_progress"
    assert all(s["id"] in knowledge.situations for s in out["situations"])
    assert out["advocate"]["level"] == "recommended" and out["advocate"]["reasons"]
    assert out["rights"][0] == "iep_review_revision" and "meeting_request" in out["letters"]


def test_jsonl_answers_every_line_in_order(tmp_path):
    path = tmp_path / "m.jsonl"
    more = [(f"n{i}", f"question {i}: can the school change my daughter's IEP without a meeting?") for i in range(70)]
    path.write_text("\n".join(json.dumps({"id": i, "text": t}) for i, t in [
        ("a", "what is a 504 plan?"), ("b", "they want to move him to another school without asking me"),
        ("c", "🙂"), *more]) + "\n")
    done = cli("triage", "--jsonl", str(path))
    assert done.returncode == 0, done.stderr
    outs = [json.loads(line) for line in done.stdout.strip().splitlines()]
    assert [o["id"] for o in outs] == ["a", "b", "c", *(i for i, _ in more)]  # read in batches, answered in order
    assert outs[0]["situations"][0]["id"] == "general_info"
    assert outs[1]["situations"][0]["id"] == "placement_change" and outs[1]["advocate"]["level"] == "recommended"


def test_a_bad_jsonl_line_is_named_and_exits_2(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": 1, "text": "ok"}\n{"id": 2}\n')
    done = cli("triage", "--jsonl", str(path))
    assert done.returncode == 2
    assert "line 2" in done.stderr and done.stdout == ""


def test_a_batch_is_parsed_as_each_message_alone(nlu):
    """`triage --jsonl` runs the NLU graph once for a batch (RasaNLU.parse_many): each message's parse is the one
    it gets alone, commands, empty and Spanish messages among them."""
    texts = ["what is a 504 plan?", "", "🙂", "/greet", "hola, mi hijo no recibe su terapia de habla desde octubre",
             "My son is 9. His IEP says speech twice a week. He hasn't had it since October. What can I do?",
             "Español", "I want to hurt myself", "zzzz qqqq"]
    alone = [nlu.parse(text) for text in texts]
    together = nlu.parse_many(texts)
    assert len(together) == len(texts)
    for one, many in zip(alone, together):
        one.pop("message_id", None)
        many.pop("message_id", None)
        assert many == one
    assert nlu.parse_many([]) == []
