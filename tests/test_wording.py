"""The wording catalogue (checklist/domain/messages.json): every phrase of the page, the summary and
the offline page is a keyed message, said alike in Python (wording.say) and JavaScript (view.js)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from checklist.domain.wording import MESSAGES, PLACEHOLDER, say

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*(ROOT / "checklist").rglob("*.py"), *(ROOT / "templates").rglob("*.html"),
           *(path for path in (ROOT / "static").glob("*.js"))]
KEY = re.compile(r'"((?:' + "|".join(sorted({key.split(".")[0] for key in MESSAGES})) + r')\.[a-z_]*)"')


def keys_in_code() -> set[str]:
    """Every catalogue-like key written in the code; one ending in "." is a prefix completed at run time."""
    return {key for path in SOURCES for key in KEY.findall(path.read_text(encoding="utf-8"))}


def test_every_key_the_code_says_is_in_the_catalogue():
    written = keys_in_code()
    prefixes = {key for key in written if key.endswith(".")}
    assert prefixes and written - prefixes
    assert sorted(written - prefixes - set(MESSAGES)) == []
    assert all(any(key.startswith(prefix) for key in MESSAGES) for prefix in prefixes)


def test_every_message_of_the_catalogue_is_said_somewhere():
    written = keys_in_code()
    prefixes = tuple(key for key in written if key.endswith("."))
    assert sorted(key for key in MESSAGES if key not in written and not key.startswith(prefixes)) == []


def test_a_placeholder_is_filled_with_its_value():
    assert say("progress.partial", answered=3, total=10, still=7) == "3 of 10 needed answers given; 7 to go."


def test_python_and_javascript_say_every_message_alike():
    assert shutil.which("node"), "Node.js (the `node` command) is needed to run static/view.js"
    values = {key: {name: f"<{name} {index}>" for index, name in enumerate(PLACEHOLDER.findall(text))}
              for key, text in MESSAGES.items()}
    runner = ("const view = require(process.argv[1]); const {messages, values} = JSON.parse(require('fs')"
              ".readFileSync(0, 'utf8')); process.stdout.write(JSON.stringify(Object.fromEntries("
              "Object.keys(messages).map((key) => [key, view.say(messages, key, values[key])]))));")
    finished = subprocess.run(["node", "-e", runner, str(ROOT / "static" / "view.js")], check=True, capture_output=True,
                              input=json.dumps({"messages": MESSAGES, "values": values}), text=True, encoding="utf-8")
    assert json.loads(finished.stdout) == {key: say(key, **values[key]) for key in MESSAGES}
