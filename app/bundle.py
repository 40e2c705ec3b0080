"""The page's ES modules as one file, built at install time by esbuild (npm, locked), when fresh.

``static/js/carte.js`` imports the page's other modules; served one by one, they cost a request
each. ``python -m app.bundle`` (run by ``scripts/install.sh`` and the Dockerfile) bundles them
into ``static/dist/carte.js`` (never committed), whose first line names a digest of the sources
it was built from. A page uses the bundle only while that digest matches the sources on disk;
otherwise (no bundle, or sources edited since) it loads the modules themselves, every one
announced at once with ``modulepreload``, so a stale bundle can never run.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from app.map.elements import STATIC_PREFIX
from app.settings import PROJECT_ROOT

#: The modules' folder and the entry module, relative to ``static/``.
MODULES_DIR: Final = "js"
ENTRY: Final = f"{MODULES_DIR}/carte.js"
#: The bundle, relative to ``static/`` (ignored by git).
BUNDLE: Final = "dist/carte.js"
#: esbuild's native binary, installed by npm from the lock file.
ESBUILD: Final = PROJECT_ROOT / "node_modules" / ".bin" / "esbuild"
_BANNER_PREFIX: Final = "/* carte-gen: bundle of the sources "


@dataclass(frozen=True, slots=True)
class PageScripts:
    """The entry module's URL and the modules to announce with ``modulepreload``."""

    entry: str
    preloads: tuple[str, ...]


def _modules(static_path: Path) -> list[Path]:
    return sorted((static_path / MODULES_DIR).rglob("*.js"))


def sources_digest(static_path: Path) -> str:
    """SHA-256 over the path and bytes of every module of ``static/js``."""
    digest = hashlib.sha256()
    for path in _modules(static_path):
        digest.update(path.relative_to(static_path).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def banner(digest: str) -> str:
    """Return the bundle's first line, naming the digest of its sources."""
    return f"{_BANNER_PREFIX}{digest} */"


def bundle_is_fresh(static_path: Path) -> bool:
    """Whether the bundle exists and was built from the modules now on disk."""
    bundle = static_path / BUNDLE
    if not bundle.is_file():
        return False
    with bundle.open(encoding="utf-8") as file:
        first = file.readline().rstrip("\n")
    return first == banner(sources_digest(static_path))


def page_scripts(static_path: Path) -> PageScripts:
    """Return the bundle when fresh, else the entry module with every module preloaded."""
    if bundle_is_fresh(static_path):
        return PageScripts(entry=f"{STATIC_PREFIX}/{BUNDLE}", preloads=())
    modules = tuple(
        f"{STATIC_PREFIX}/{path.relative_to(static_path).as_posix()}"
        for path in _modules(static_path)
    )
    return PageScripts(entry=f"{STATIC_PREFIX}/{ENTRY}", preloads=modules)


def build(static_path: Path, esbuild: Path = ESBUILD) -> Path:
    """Bundle the entry module and its imports (minified ES module); return the bundle's path."""
    target = static_path / BUNDLE
    subprocess.run(
        [
            str(esbuild),
            str(static_path / ENTRY),
            "--bundle",
            "--format=esm",
            "--minify",
            "--target=es2020",
            "--charset=utf8",
            "--log-level=warning",
            f"--banner:js={banner(sources_digest(static_path))}",
            f"--outfile={target}",
        ],
        check=True,
    )
    return target


def main() -> int:
    """Build the bundle (``python -m app.bundle [--static DIR] [--esbuild PATH]``)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--static", type=Path, default=PROJECT_ROOT / "static")
    parser.add_argument("--esbuild", type=Path, default=ESBUILD)
    args = parser.parse_args()
    target = build(args.static, args.esbuild)
    print(f"bundle: {target.relative_to(args.static.parent)} ({target.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
