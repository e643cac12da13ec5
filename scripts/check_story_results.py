"""Fails when `rasa test core` reported any failed story (it exits 0 on failures by itself)."""
import sys
from pathlib import Path

import yaml

out = Path(sys.argv[1])
failed_file = out / "failed_test_stories.yml"
failed = (yaml.safe_load(failed_file.read_text()) or {}).get("stories", []) if failed_file.exists() else []
tests = [p for p in Path("tests/stories").glob("*.yml")]
total = sum(len((yaml.safe_load(p.read_text()) or {}).get("stories", [])) for p in tests)
print(f"Story tests: {total - len(failed)} passed, {len(failed)} failed")
for story in failed:
    print(f"  failed: {story.get('story')}")
sys.exit(1 if failed or total == 0 else 0)
