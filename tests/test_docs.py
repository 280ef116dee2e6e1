"""The README's promises: its two commands point at real things, and CI runs its test command."""

from __future__ import annotations

import re
import shlex

from click.testing import CliRunner

from duidan.cli.main import cli

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _sh_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def test_ci_runs_exactly_the_readme_test_command():
    test_cmd = next(b.strip() for b in _sh_blocks() if "pytest" in b)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_cmd in ci


def test_the_readme_example_commands_run():
    for block in _sh_blocks():
        for line in block.strip().splitlines():
            if ".venv/bin/duidan " not in line:
                continue
            args = shlex.split(line.split(".venv/bin/duidan ", 1)[1])
            for a in args:
                if a.startswith("cases/"):
                    assert (ROOT / a).exists(), a
            if args[0] == "evaluate":
                r = CliRunner().invoke(cli, [str(ROOT / a) if a.startswith("cases/") else a for a in args])
                assert r.exit_code == 0, r.output
                assert "应予问责" in r.output


def test_every_command_in_the_readme_table_exists():
    for name in re.findall(r"^\| `duidan ([a-z]+)", README, flags=re.M):
        assert CliRunner().invoke(cli, [name, "--help"]).exit_code == 0, name
