"""Local addok configuration of the test server (read by addok through ADDOK_CONFIG_MODULE).

addok executes this file and keeps its upper-case names. It mirrors the French set-up of
the national address service (addok-fr + addok-france processors, a ``citycode`` field and
filter), and repairs one known incompatibility between the pinned releases:

addok 1.3 parses every filter as a *list* of values (``{"citycode": ["col"]}``) while
addok-csv 1.1.0 still looks each filter up as a single column name
(``row.get(["col"], "")``), which raises ``TypeError: unhashable type: 'list'`` and answers
HTTP 500 on any ``/search/csv/`` upload that names a filter column. The patch below reads
every named column of the row and keeps its non-empty values, which is what the single-value
code did before.
"""

import os

import addok_csv

EXTRA_FIELDS = [{"key": "citycode"}]
FILTERS = ["type", "postcode", "citycode"]

QUERY_PROCESSORS_PYPATHS = [
    "addok.helpers.text.check_query_length",
    "addok_france.extract_address",
    "addok_france.clean_query",
    "addok_france.remove_leading_zeros",
]
SEARCH_RESULT_PROCESSORS_PYPATHS = [
    "addok.helpers.results.match_housenumber",
    "addok_france.make_labels",
    "addok.helpers.results.score_by_importance",
    "addok.helpers.results.score_by_autocomplete_distance",
    "addok.helpers.results.score_by_ngram_distance",
    "addok.helpers.results.score_by_geo_distance",
    "addok.helpers.results.adjust_scores",
]
PROCESSORS_PYPATHS = [
    "addok.helpers.text.tokenize",
    "addok.helpers.text.normalize",
    "addok_france.glue_ordinal",
    "addok_france.fold_ordinal",
    "addok_france.flag_housenumber",
    "addok.helpers.text.synonymize",
    "addok_fr.phonemicize",
]
# Two cores on the test machine: one import worker leaves one for Redis.
BATCH_WORKERS = 1


def _match_row_filters(self, row, filters):
    """Map each filter to the values of the row's columns it names (addok 1.3 lists)."""
    matched = {}
    for name, columns in filters.items():
        if isinstance(columns, str):
            columns = [columns]
        values = [(row.get(column) or "").strip() for column in columns]
        values = [value for value in values if value]
        if values:
            matched[name] = values
    return matched


# Tests of the client's fallback run the unpatched plugin on purpose.
if os.environ.get("CARTE_GEN_ADDOK_CSV_FILTER_FIX", "1") == "1":
    addok_csv.BaseCSV.match_row_filters = _match_row_filters
