"""The server's first clusters are supercluster's: checked against supercluster itself (node)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.bundle import PageScripts
from app.map.builder import build_map, render_map
from app.map.elements import Demarrage, Grappes
from app.map.icones import TAILLES_GRAPPES
from app.map.premiers import (
    ETENDUE,
    GRAPPE,
    LIEU,
    LIEUX_MAX,
    RAYON_PX,
    ZOOM_MAX,
    ZOOMS_PREMIERS,
    Lieux,
    cluster_levels,
    first_markers,
    places_of,
)
from app.settings import Basemap
from bench.synthetic import synthetic_features

REFERENCE = Path(__file__).with_name("supercluster_reference.mjs")
ZOOMS = [*ZOOMS_PREMIERS, ZOOM_MAX, ZOOM_MAX + 1]

Places = list[tuple[float, float, int]]

STATIC = Path(__file__).resolve().parents[2] / "static"


def supercluster(places: Places, zooms: list[int]) -> dict[int, list[list[float]]]:
    """Clusters of ``places`` by supercluster (npm), as ``[lon, lat, places, trainings]``."""
    node = shutil.which("node")
    assert node is not None, "node is needed (scripts/install.sh installs it)"
    answer = subprocess.run(
        [node, str(REFERENCE)],
        input=json.dumps(
            {
                "places": places,
                "zooms": zooms,
                "options": {"radius": RAYON_PX, "extent": ETENDUE, "maxZoom": ZOOM_MAX},
            }
        ),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return {int(zoom): entries for zoom, entries in json.loads(answer.stdout).items()}


def ours(places: Places, zooms: list[int]) -> dict[int, list[list[float]]]:
    """The same, from :func:`cluster_levels` (a place keeps its own position)."""
    from app.map.premiers import _lat, _lon

    levels = cluster_levels(places, zooms)
    return {
        zoom: [
            [_lon(p.x), _lat(p.y), p.places, p.trainings]
            if p.places > 1
            else [places[p.place][0], places[p.place][1], 1, p.trainings]
            for p in points
        ]
        for zoom, points in levels.items()
    }


def assert_same(expected: list[list[float]], got: list[list[float]]) -> None:
    """Same clusters: counts exact, positions to a micrometre (libm may differ by an ulp)."""

    def key(entry: list[float]) -> tuple[int, int, float, float]:
        return (int(entry[2]), int(entry[3]), round(entry[0], 6), round(entry[1], 6))

    assert len(got) == len(expected)
    for mine, theirs in zip(sorted(got, key=key), sorted(expected, key=key), strict=True):
        assert mine[2:] == theirs[2:]
        assert mine[0] == pytest.approx(theirs[0], abs=1e-9)
        assert mine[1] == pytest.approx(theirs[1], abs=1e-9)


def places_of_features(features: list[dict[str, Any]]) -> Places:
    """The places the page indexes for these trainings (first appearance, trainings each)."""
    lon = np.array([f["geometry"]["coordinates"][0] for f in features], dtype=np.float64)
    lat = np.array([f["geometry"]["coordinates"][1] for f in features], dtype=np.float64)
    lieux = places_of(lon, lat)
    return list(zip(lieux.lon.tolist(), lieux.lat.tolist(), lieux.trainings.tolist(), strict=True))


def random_places(seed: int, count: int) -> Places:
    """France and overseas, towns of many trainings, exact duplicates, the grid's edges."""
    rng = random.Random(seed)
    centres = [(2.35, 48.86), (4.83, 45.76), (-61.55, 16.25), (55.45, -21.0), (166.45, -22.27)]
    places: Places = []
    for _ in range(count):
        lon, lat = rng.choice(centres)
        spread = rng.choice((0.0005, 0.01, 0.3, 4.0))
        places.append(
            (
                round(lon + rng.gauss(0, spread), 6),
                round(lat + rng.gauss(0, spread), 6),
                rng.choice((1, 1, 1, 2, 7)),
            )
        )
    places += [(-180.0, 85.0, 1), (180.0, -85.0, 3), (0.0, 0.0, 1), (179.9, 84.9, 1)]
    return places


@pytest.mark.parametrize("seed", [1, 2016])
def test_clusters_of_synthetic_trainings_are_superclusters(seed: int) -> None:
    """1,000 trainings placed in real communes, as the benchmark and the demo place them."""
    places = places_of_features(synthetic_features(1000, seed=seed))
    theirs = supercluster(places, ZOOMS)
    mine = ours(places, ZOOMS)
    for zoom in ZOOMS:
        assert_same(theirs[zoom], mine[zoom])


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_clusters_of_dense_and_overseas_places_are_superclusters(seed: int) -> None:
    """Dense towns, far islands, the antimeridian and the poles' clamp."""
    places = random_places(seed, 2500)
    theirs = supercluster(places, list(range(0, ZOOM_MAX + 2)))
    mine = ours(places, list(range(0, ZOOM_MAX + 2)))
    for zoom in range(0, ZOOM_MAX + 2):
        assert_same(theirs[zoom], mine[zoom])


coordinate = st.tuples(
    st.floats(-180, 180, allow_nan=False).map(lambda v: round(v, 6)),
    st.floats(-85, 85, allow_nan=False).map(lambda v: round(v, 6)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(coordinate, st.integers(1, 50)), max_size=60))
def test_every_training_is_in_one_point_at_every_zoom(entries: list[Any]) -> None:
    """At each zoom, points partition the places and their trainings; none is lost or doubled."""
    places = [(lon, lat, n) for (lon, lat), n in entries]
    for zoom, points in cluster_levels(places, range(0, ZOOM_MAX + 2)).items():
        assert sum(p.places for p in points) == len(places), zoom
        assert sum(p.trainings for p in points) == sum(n for _, _, n in places), zoom
        alone = sorted(p.place for p in points if p.places == 1)
        assert len(alone) == len(set(alone))


def test_places_keep_the_order_of_their_first_training() -> None:
    """The page indexes places in first appearance order (the map data's): the same here."""
    lon = np.array([5.0, 2.0, 5.0, -0.0, 0.0, 2.0])
    lat = np.array([45.0, 48.0, 45.0, 1.0, 1.0, 47.0])
    lieux = places_of(lon, lat)
    assert lieux.lon.tolist() == [5.0, 2.0, 0.0, 2.0]
    assert lieux.lat.tolist() == [45.0, 48.0, 1.0, 47.0]
    assert lieux.trainings.tolist() == [2, 1, 2, 1]
    assert lieux.first_row.tolist() == [0, 1, 3, 5]


def test_first_markers_name_clusters_places_and_types() -> None:
    """Clusters and places of several are named so; one training is drawn with its type."""
    lon = np.array([2.35, 2.35, 2.3501, 5.0])
    lat = np.array([48.86, 48.86, 48.8601, 45.0])
    lieux = places_of(lon, lat)
    markers = first_markers(lieux, ["ecole", "association", None], zooms=[8, 16])
    assert markers is not None
    assert sorted(entry[2:] for entry in markers["8"]) == [[1, None], [3, GRAPPE]]
    at_16 = sorted((entry[2:] for entry in markers["16"]), key=str)
    assert at_16 == [[1, "association"], [1, None], [2, LIEU]]


def test_first_markers_are_left_to_the_page_past_the_limit() -> None:
    """Too many places for the server: the page draws its first markers from its own index."""
    count = LIEUX_MAX + 1
    lon = np.linspace(-5.0, 9.0, count)
    lieux = Lieux(lon, np.full(count, 46.0), np.ones(count, np.int64), np.arange(count))
    assert first_markers(lieux, [None] * count) is None


@pytest.mark.parametrize("script", ["grappes.js", "demarrage.js"])
def test_the_page_scripts_name_the_kinds_as_this_module_does(script: str) -> None:
    """The cluster layer and the start-up that draws the first markers before it."""
    text = (STATIC / script).read_text()
    assert f"var GRAPPE = '{GRAPPE}';" in text
    assert f"var LIEU = '{LIEU}';" in text


def test_the_cluster_layer_and_the_start_up_draw_from_the_same_options() -> None:
    """Clustered as this module does; one set of sizes and icons for both, styled by the page."""
    carte = build_map(Basemap.OSM, {}, PageScripts("/e.js", ()), icones={"ecole": "data:,"})
    (grappes,) = (c for c in carte._children.values() if isinstance(c, Grappes))
    (demarrage,) = (c for c in carte._children.values() if isinstance(c, Demarrage))
    assert grappes.options["rayon"] == RAYON_PX
    assert grappes.options["zoomMax"] == ZOOM_MAX
    assert grappes.options["etendue"] == ETENDUE
    for option in ("marge", "tailles", "icones", "icone"):
        assert demarrage.donnees[option] == grappes.options[option]
    assert demarrage.donnees["vue"] == carte.vue_initiale
    bounds = [bound for bound, _, _ in TAILLES_GRAPPES]
    assert bounds[-1] is None and all(isinstance(b, int) for b in bounds[:-1])
    assert bounds[:-1] == sorted(bounds[:-1])
    styles = (STATIC / "carte.css").read_text()
    for _, name, _ in TAILLES_GRAPPES:
        assert f".grappe-{name} {{" in styles


def test_the_start_up_is_inlined_whole() -> None:
    """A script that closed its own element would spill into the page."""
    scripts = PageScripts("/e.js", (), startup="x();")
    carte = build_map(Basemap.OSM, {"donnees_url": "/d.json"}, scripts, icones={})
    assert "<script>x();</script>" in render_map(carte).startup
    with pytest.raises(ValueError, match="closes its element"):
        build_map(Basemap.OSM, {}, PageScripts("/e.js", (), startup="'</script>'"), icones={})
