"""The Dockerfile, the README and the docs run the production setup the tests start."""

from __future__ import annotations

import json
import re
import shlex

from deploy.render import ProxyConfig, render
from deploy.serve import build_parser
from tests.serving.conftest import REPO_ROOT


def test_the_image_runs_the_launcher_with_nginx_installed() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    command = json.loads(re.findall(r"^CMD (\[.*\])$", dockerfile, re.M)[-1])
    assert command[:2] == ["python", "deploy/serve.py"]
    build_parser().parse_args(command[2:])  # every option exists
    assert "COPY deploy ./deploy" in dockerfile
    assert re.search(r"apt-get install[^\n]*\bnginx\b", dockerfile)
    assert "USER carte" in dockerfile  # nginx and the workers run unprivileged


def test_the_readme_production_command_is_the_launcher() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(CARTE_GEN_DATA_PATH=[^`]*deploy/serve\.py[^`]*)```", readme)
    assert block is not None
    words = shlex.split(block.group(1).replace("\\\n", " "))
    start = words.index("deploy/serve.py") + 1
    build_parser().parse_args(words[start:])
    assert "docs/deploiement.md" in readme


def test_every_template_token_is_filled() -> None:
    config = ProxyConfig(
        prefix=REPO_ROOT / "run", listen="127.0.0.1:1", upstreams=("unix:/tmp/a.sock",)
    )
    text = render(config)
    assert "@" not in re.sub(r"#.*", "", text)
    assert "server unix:/tmp/a.sock;" in text
