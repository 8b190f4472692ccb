"""Words users read are tested: every Analysis field documented; the README's commands exist."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path

from pydantic import BaseModel

from mixcoach.analysis import Analysis

REPO = Path(__file__).resolve().parents[1]


def field_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Dotted paths of every field, ``[]`` marking list items: ``spectrum.bands[].level_db``."""
    paths = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        paths.append(path)
        for inner, suffix in _models_in(field.annotation):
            paths.extend(field_paths(inner, f"{path}{suffix}."))
    return paths


def _models_in(annotation: object) -> list[tuple[type[BaseModel], str]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [(annotation, "")]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple):
        return [(m, "[]" + s) for arg in args for m, s in _models_in(arg)]
    if origin in (typing.Union, types.UnionType):
        return [pair for arg in args for pair in _models_in(arg)]
    return []


def test_every_analysis_field_is_documented() -> None:
    schema_doc = (REPO / "docs" / "analysis-schema.md").read_text()
    documented = set(re.findall(r"`([a-z0-9_.\[\]]+)`", schema_doc))
    # The reference's measurements repeat the track's blocks; the document says so once.
    paths = [p for p in field_paths(Analysis) if not p.startswith("reference.measurements.")]
    missing = [p for p in paths if p not in documented]
    assert not missing, f"undocumented Analysis fields in docs/analysis-schema.md: {missing}"


def test_schema_version_in_docs_matches_code() -> None:
    from mixcoach.analysis import SCHEMA_VERSION

    assert f"schema_version: {SCHEMA_VERSION}" in (REPO / "docs" / "analysis-schema.md").read_text()


def test_readme_starts_with_the_two_fresh_machine_commands() -> None:
    first = [line.strip() for line in (REPO / "README.md").read_text().splitlines()[:2]]
    assert first[0].startswith("./scripts/run.sh") and first[1].startswith("./scripts/test.sh")
    assert (REPO / "scripts" / "run.sh").exists() and (REPO / "scripts" / "test.sh").exists()
    assert "scripts/test.sh" in (REPO / ".ci" / "run").read_text()
