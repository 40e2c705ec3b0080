"""Turn one parsed ``<formation>`` or ``<resume-offre>`` element into Carte GEN records.

Driven by :data:`geo.lheo.mapping.FIELD_MAP`: each path is qualified with the document's
namespace once, then read on the formation, on each action or on each training site.
Pure: it only reads the lxml elements it is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from geo.lheo.mapping import ACTION_PREFIX, FIELD_MAP, LIEU_PREFIX, FieldRule, Found

Record = dict[str, object]
#: A record and the line of the element it comes from (site, action, formation or summary).
Located = tuple[int, Record]


@dataclass(frozen=True, slots=True)
class _Step:
    """One path of one field, ready to be evaluated on its context element."""

    path: str  # as written in the table
    context: str  # "formation", "action", "lieu" or "resume"
    xpath: str  # namespace-qualified ElementPath, "" for the context element itself
    attribute: str | None


def _step(path: str, context: str, relative: str, namespace: str) -> _Step:
    attribute = None
    parts = relative.split("/")
    if parts[-1].startswith("@"):
        attribute = parts.pop()[1:]
    xpath = "/".join(f"{namespace}{part}" if part not in ("", ".") else part for part in parts)
    return _Step(path, context, xpath, attribute)


def _offre_step(path: str, namespace: str) -> _Step:
    if path.startswith(LIEU_PREFIX):
        return _step(path, "lieu", path[len(LIEU_PREFIX) :], namespace)
    if path.startswith(ACTION_PREFIX):
        return _step(path, "action", path[len(ACTION_PREFIX) :], namespace)
    return _step(path, "formation", path, namespace)


def _evaluate(step: _Step, context: Any) -> list[Found]:
    if context is None:
        return []
    if not step.xpath:
        value = context.get(step.attribute)
        return [] if value is None else [(step.path, value)]
    if step.attribute is None:
        return [(step.path, element) for element in context.iterfind(step.xpath)]
    return [
        (step.path, value)
        for element in context.iterfind(step.xpath)
        if (value := element.get(step.attribute)) is not None
    ]


class RecordPlan:
    """The field rules of :data:`FIELD_MAP`, qualified for one namespace (``""``: none)."""

    def __init__(self, namespace: str) -> None:
        prefix = f"{{{namespace}}}" if namespace else ""
        self._action_tag = prefix + "action"
        self._lieu_tag = prefix + "lieu-de-formation"
        self._offre: list[tuple[FieldRule, list[_Step]]] = [
            (rule, [_offre_step(path, prefix) for path in rule.offre]) for rule in FIELD_MAP
        ]
        self._index: list[tuple[FieldRule, list[_Step]]] = [
            (rule, [_step(path, "resume", path, prefix) for path in rule.index])
            for rule in FIELD_MAP
        ]

    def formation_records(self, formation: Any) -> Iterator[Located]:
        """Yield one record per action and training site, with the line of the site.

        An action without a site gives one record (line of the action), and a formation
        without an action one record too (line of the formation): nothing is dropped.
        """
        formation_found: dict[str, list[Found]] = {}
        actions = formation.findall(self._action_tag) or [None]
        for action in actions:
            lieux = (action.findall(self._lieu_tag) if action is not None else None) or [None]
            for number, lieu in enumerate(lieux, start=1):
                contexts = {"formation": formation, "action": action, "lieu": lieu}
                record: Record = {}
                for rule, steps in self._offre:
                    found: list[Found] = []
                    for step in steps:
                        if step.context == "formation":
                            cached = formation_found.get(step.path)
                            if cached is None:
                                cached = formation_found[step.path] = _evaluate(step, formation)
                            found.extend(cached)
                        else:
                            found.extend(_evaluate(step, contexts[step.context]))
                    record[rule.field] = rule.convert(found)
                if len(lieux) > 1 and record.get("id"):
                    record["id"] = f"{record['id']}-{number}"
                origin = next(e for e in (lieu, action, formation) if e is not None)
                yield origin.sourceline, record

    def resume_records(self, resume: Any) -> Iterator[Located]:
        """Yield the record of one ``<resume-offre>`` of an index, with its line."""
        record: Record = {}
        for rule, steps in self._index:
            found: list[Found] = []
            for step in steps:
                found.extend(_evaluate(step, resume))
            record[rule.field] = rule.convert(found)
        yield resume.sourceline, record
