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


def test_the_bring_your_own_lists_walkthrough_runs_as_written(tmp_path):
    """The README's walk-through, run as written from a checkout: a generated Excel table becomes a
    checked rulebook whose scenarios pass."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    section = README.split("## Bringing your own lists", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S).group(1)
    bindir = Path(sys.executable).parent
    script = block.replace(".venv/bin/", f"{bindir}/").replace("\npython ", f"\n{sys.executable} ")
    if script.startswith("python "):
        script = f"{sys.executable} " + script[len("python "):]
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    r = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "wrote county/lists/primary.yaml: 6 clauses" in r.stdout   # every row of the table became a clause
    assert "ok: citations resolve" in r.stdout                        # rules check passed
    assert "2 passed, 0 failed" in r.stdout                          # both scenarios pass
    assert "county-demo 2024-01" in r.stdout                          # its own name: not the bundled one
