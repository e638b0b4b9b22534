"""environment.yml (for conda users) lists what pyproject.toml depends on."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_matches_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = {_name(d): d for d in pyproject["project"]["dependencies"]}
    listed = {}
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        match = re.match(r"^  - ([A-Za-z][\w.-]*.*)$", line)
        if match and _name(match.group(1)) not in {"python", "pip", "pip:"}:
            listed[_name(match.group(1))] = match.group(1).strip()
    assert listed == wanted
