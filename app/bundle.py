"""The page's ES modules as one file, built at install time by esbuild (npm, locked), when fresh.

``static/js/carte.js`` imports the page's other modules; served one by one, they cost a request
each. ``python -m app.bundle`` (run by ``scripts/install.sh`` and the Dockerfile) bundles them
into ``static/dist/carte.js`` (never committed), whose first line names a digest of the sources
it was built from. A page uses the bundle only while that digest matches the sources on disk;
otherwise (no bundle, or sources edited since) it loads the modules themselves, every one
announced at once with ``modulepreload``, so a stale bundle can never run.

The classic scripts the map's Folium elements load before any of it (Leaflet, supercluster,
our cluster layer, Leaflet.Locate, leaflet.fullscreen) are joined the same way, in the order
the page runs them, into ``static/dist/scripts.js``: one request instead of five on the path
to the first markers. It too is used only while fresh; otherwise the page loads each file.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from app.assets import asset_roots
from app.map.elements import STATIC_PREFIX
from app.settings import PROJECT_ROOT

#: The modules' folder and the entry module, relative to ``static/``.
MODULES_DIR: Final = "js"
ENTRY: Final = f"{MODULES_DIR}/carte.js"
#: The bundle, relative to ``static/`` (ignored by git).
BUNDLE: Final = "dist/carte.js"
#: npm's packages, installed from the lock file, and esbuild's native binary among them.
NODE_MODULES: Final = PROJECT_ROOT / "node_modules"
ESBUILD: Final = NODE_MODULES / ".bin" / "esbuild"
_BANNER_PREFIX: Final = "/* carte-gen: bundle of the sources "


#: The classic scripts joined, relative to ``static/`` (ignored by git).
SCRIPTS_BUNDLE: Final = "dist/scripts.js"
_SCRIPTS_BANNER_PREFIX: Final = "/* carte-gen: classic scripts of the sources "
_SOURCE_MAP: Final = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class PageScripts:
    """The page's scripts: entry module, modules to preload, joined classic scripts.

    ``classic`` is ``None`` when the map's elements load their own files.
    """

    entry: str
    preloads: tuple[str, ...]
    classic: str | None = None


def classic_scripts() -> list[str]:
    """URLs of the map elements' classic scripts, in the order the page loads them."""
    from app.map.elements import CarteMap, Grappes, Localisation, PleinEcran

    return [
        url
        for element in (CarteMap, Grappes, Localisation, PleinEcran)
        for _, url in element.default_js
    ]


def _script_files(static_path: Path, node_modules_path: Path) -> list[tuple[str, Path]]:
    """Each classic script's URL and file, found under the app's own asset folders."""
    roots = asset_roots(static_path, node_modules_path)
    files = []
    for url in classic_scripts():
        root = next(root for root in roots if url.startswith(root.prefix + "/"))
        files.append((url, root.directory / url.removeprefix(root.prefix + "/")))
    return files


def scripts_digest(static_path: Path, node_modules_path: Path) -> str:
    """SHA-256 over the URL and bytes of every classic script."""
    digest = hashlib.sha256()
    for url, path in _script_files(static_path, node_modules_path):
        digest.update(url.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def scripts_bundle_is_fresh(static_path: Path, node_modules_path: Path) -> bool:
    """Whether the joined classic scripts exist and were built from the files now on disk."""
    bundle = static_path / SCRIPTS_BUNDLE
    if not bundle.is_file():
        return False
    with bundle.open(encoding="utf-8") as file:
        first = file.readline().rstrip("\n")
    return first == f"{_SCRIPTS_BANNER_PREFIX}{scripts_digest(static_path, node_modules_path)} */"


def build_scripts(static_path: Path, node_modules_path: Path) -> Path:
    """Join the classic scripts into one file (their licence headers kept); return its path."""
    parts = [f"{_SCRIPTS_BANNER_PREFIX}{scripts_digest(static_path, node_modules_path)} */\n"]
    for url, path in _script_files(static_path, node_modules_path):
        # Source maps name files beside their script: out of place here.
        text = _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))
        parts.append(f"/* {url} */\n{text}\n;\n")
    target = static_path / SCRIPTS_BUNDLE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(parts), encoding="utf-8")
    return target


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


def page_scripts(static_path: Path, node_modules_path: Path = NODE_MODULES) -> PageScripts:
    """Return the bundles that are fresh; else the modules (preloaded) or the scripts' files."""
    classic = (
        f"{STATIC_PREFIX}/{SCRIPTS_BUNDLE}"
        if scripts_bundle_is_fresh(static_path, node_modules_path)
        else None
    )
    if bundle_is_fresh(static_path):
        return PageScripts(entry=f"{STATIC_PREFIX}/{BUNDLE}", preloads=(), classic=classic)
    modules = tuple(
        f"{STATIC_PREFIX}/{path.relative_to(static_path).as_posix()}"
        for path in _modules(static_path)
    )
    return PageScripts(entry=f"{STATIC_PREFIX}/{ENTRY}", preloads=modules, classic=classic)


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
    """Build both bundles: ``python -m app.bundle [--static D] [--node-modules D]``."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--static", type=Path, default=PROJECT_ROOT / "static")
    parser.add_argument("--node-modules", type=Path, default=NODE_MODULES)
    parser.add_argument("--esbuild", type=Path, default=ESBUILD)
    args = parser.parse_args()
    for target in (build(args.static, args.esbuild), build_scripts(args.static, args.node_modules)):
        print(f"bundle: {target.relative_to(args.static.parent)} ({target.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
