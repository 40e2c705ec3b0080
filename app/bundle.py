"""The page's ES modules as one file, built at install time by esbuild (npm, locked), when fresh.

``static/js/carte.js`` imports the page's other modules; served one by one, they cost a request
each. ``python -m app.bundle`` (run by ``scripts/install.sh`` and the Dockerfile) bundles them
into ``static/dist/carte.js`` (never committed), whose first line names a digest of the sources
it was built from. A page uses the bundle only while that digest matches the sources on disk;
otherwise (no bundle, or sources edited since) it loads the modules themselves, every one
announced at once with ``modulepreload``, so a stale bundle can never run.

The classic scripts the map's Folium elements need before any of it (Leaflet, supercluster,
our cluster layer, Leaflet.Locate, leaflet.fullscreen) are joined the same way, in the order
the page runs them, into ``static/dist/scripts.js``, and their style sheets (ours last) into
``static/dist/styles.css`` (relative ``url()``s made absolute): one request each instead of
five and four on the path to the map. They too are used only while fresh; otherwise the page
loads each file. The page's start-up, ``static/demarrage.js``, is inlined in the page
(``STARTUP``: ``app.map.elements.Demarrage``), which runs the classic scripts.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from app.assets import asset_roots
from app.map.elements import (
    STATIC_PREFIX,
    CarteGenApp,
    CarteMap,
    Grappes,
    Localisation,
    PleinEcran,
)
from app.settings import PROJECT_ROOT

#: The modules' folder and the entry module, relative to ``static/``.
MODULES_DIR: Final = "js"
ENTRY: Final = f"{MODULES_DIR}/carte.js"
#: The bundle, relative to ``static/`` (ignored by git).
BUNDLE: Final = "dist/carte.js"
#: The page's start-up, inlined in the page (``app.map.elements.Demarrage``).
STARTUP: Final = "demarrage.js"
#: npm's packages, installed from the lock file, and esbuild's native binary among them.
NODE_MODULES: Final = PROJECT_ROOT / "node_modules"
ESBUILD: Final = NODE_MODULES / ".bin" / "esbuild"
_BANNER_PREFIX: Final = "/* carte-gen: bundle of the sources "


#: A source map comment (``//#`` in scripts, ``/*#`` in style sheets): it names a file beside
#: its own, out of place in a joined file.
_SOURCE_MAP: Final = re.compile(r"^(?://|/\*)# sourceMappingURL=.*$", re.MULTILINE)
#: A relative ``url(…)`` of a style sheet (not ``data:``, absolute, rooted or a fragment).
_RELATIVE_URL: Final = re.compile(r"""url\(\s*(['"]?)(?!data:|[a-z]+://|/|#)([^'")]+)\1\s*\)""")


def _element_assets(kind: str) -> list[str]:
    """URLs of the map elements' ``default_js`` or ``default_css``, in the page's order."""
    elements = (CarteMap, Grappes, Localisation, PleinEcran, CarteGenApp)
    return [url for element in elements for _, url in getattr(element, kind)]


def classic_scripts() -> list[str]:
    """URLs of the map elements' classic scripts, in the order the page loads them."""
    return _element_assets("default_js")


def classic_styles() -> list[str]:
    """URLs of the map elements' style sheets, in the order the page loads them."""
    return _element_assets("default_css")


def _as_joined_script(url: str, text: str) -> str:
    return _SOURCE_MAP.sub("", text) + "\n;\n"  # a script may end without its semicolon


def _as_joined_style(url: str, text: str) -> str:
    folder = url.rsplit("/", 1)[0]
    text = _RELATIVE_URL.sub(lambda m: f"url({m[1]}{folder}/{m[2]}{m[1]})", text)
    return _SOURCE_MAP.sub("", text) + "\n"


@dataclass(frozen=True, slots=True)
class Joined:
    """Files the map's elements load one by one, joined in their order at install time."""

    target: str  # relative to ``static/`` (ignored by git)
    urls: Callable[[], list[str]]
    as_joined: Callable[[str, str], str]  # (URL, text) → the text as the joined file has it

    def files(self, static_path: Path, node_modules_path: Path) -> list[tuple[str, Path]]:
        """Each file's URL and path, found under the app's own asset folders."""
        roots = asset_roots(static_path, node_modules_path)
        files = []
        for url in self.urls():
            root = next(root for root in roots if url.startswith(root.prefix + "/"))
            files.append((url, root.directory / url.removeprefix(root.prefix + "/")))
        return files

    def banner(self, static_path: Path, node_modules_path: Path) -> str:
        """First line of the joined file: a SHA-256 over the URL and bytes of every file."""
        digest = hashlib.sha256()
        for url, path in self.files(static_path, node_modules_path):
            digest.update(url.encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        return f"/* carte-gen: {self.target} joined from the sources {digest.hexdigest()} */"

    def is_fresh(self, static_path: Path, node_modules_path: Path) -> bool:
        """Whether the joined file exists and was built from the files now on disk."""
        joined = static_path / self.target
        if not joined.is_file():
            return False
        with joined.open(encoding="utf-8") as file:
            first = file.readline().rstrip("\n")
        return first == self.banner(static_path, node_modules_path)

    def build(self, static_path: Path, node_modules_path: Path) -> Path:
        """Join the files (their licence headers kept); return the joined file's path."""
        parts = [self.banner(static_path, node_modules_path) + "\n"]
        for url, path in self.files(static_path, node_modules_path):
            parts.append(f"/* {url} */\n" + self.as_joined(url, path.read_text(encoding="utf-8")))
        target = static_path / self.target
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(parts), encoding="utf-8")
        return target


#: The classic scripts (Leaflet first) and the style sheets (Leaflet's first, ours last).
SCRIPTS: Final = Joined("dist/scripts.js", classic_scripts, _as_joined_script)
STYLES: Final = Joined("dist/styles.css", classic_styles, _as_joined_style)


@dataclass(frozen=True, slots=True)
class PageScripts:
    """The page's assets: entry module, modules to preload, joined scripts and styles.

    ``classic`` and ``styles`` are ``None`` when the map's elements load their own files.
    """

    entry: str
    preloads: tuple[str, ...]
    classic: str | None = None
    styles: str | None = None
    startup: str = ""  # the page's start-up script, inlined (``STARTUP``)


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
    """Return the bundles that are fresh; else the modules (preloaded) or the elements' files."""
    classic, styles = (
        f"{STATIC_PREFIX}/{joined.target}"
        if joined.is_fresh(static_path, node_modules_path)
        else None
        for joined in (SCRIPTS, STYLES)
    )
    modules: tuple[str, ...] = ()
    if bundle_is_fresh(static_path):
        entry = f"{STATIC_PREFIX}/{BUNDLE}"
    else:
        entry = f"{STATIC_PREFIX}/{ENTRY}"
        modules = tuple(
            f"{STATIC_PREFIX}/{path.relative_to(static_path).as_posix()}"
            for path in _modules(static_path)
        )
    startup = (static_path / STARTUP).read_text(encoding="utf-8")
    return PageScripts(
        entry=entry, preloads=modules, classic=classic, styles=styles, startup=startup
    )


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
            "--charset=utf8",  # smaller than \u escapes; an ASCII bundle loaded no faster
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
    targets = [build(args.static, args.esbuild)]
    targets += [joined.build(args.static, args.node_modules) for joined in (SCRIPTS, STYLES)]
    for target in targets:
        print(f"bundle: {target.relative_to(args.static.parent)} ({target.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
